import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { canonicalDeviceId, ipForm, recognisableIp } from "../../src/transform/recognisable.ts";
import { createValidator } from "../../src/transform/validate.ts";

describe("spellings people recognise", () => {
  it("reads an address out of a port, brackets, leading zeros and invisible characters", () => {
    for (const spelling of [
      "1.2.3.4",
      "1.2.3.04",
      "001.002.003.004",
      "1.2.3.4:8080",
      "[1.2.3.4]",
      "[1.2.3.4]:443",
      "1.2.3.4\u200b",
      "\ufeff1.2.3.4",
      "1.2\u200d.3.4",
      " 1.2.3.4\t",
      "::ffff:1.2.3.4",
    ])
      assert.equal(recognisableIp(spelling), "1.2.3.4", JSON.stringify(spelling));
    assert.equal(recognisableIp("[2001:DB8::1]:443"), "2001:db8::1");
    assert.equal(recognisableIp("[fe80::1%eth0]"), "fe80::1%eth0");
  });

  it("reads nothing into what is no address: those are looked for as written", () => {
    for (const text of ["1.2.3.256", "1.2.3", "host:80", "1.2.3.4:99999", "", "1.2.3.4.5"])
      assert.equal(recognisableIp(text), undefined, text);
    assert.equal(ipForm(" not-an-ip "), "not-an-ip");
  });

  it("masks a device id without invisible characters, in rows too; one of nothing but those is invalid", () => {
    assert.equal(canonicalDeviceId(" 593-47\u200b-5928\ufeff "), "593-47-5928");
    const validate = createValidator("major");
    const event = (deviceId: string) =>
      JSON.stringify({
        user_id: "u",
        device_type: "ios",
        ip: "1.2.3.4",
        device_id: deviceId,
        app_version: "1.0",
      });
    const result = validate(event("593-47-5928\u200b"));
    assert.ok(result.ok);
    assert.equal(result.ok && result.event.deviceId, "593-47-5928");
    assert.deepEqual(validate(event("\u200b\u200b")), { ok: false, reason: "invalid_field:device_id" });
  });
});
