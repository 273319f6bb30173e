import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { generateEvents } from "../../src/embedded/sample-events.ts";
import { createValidator } from "../../src/transform/validate.ts";

const validate = createValidator("major");
const good = {
  user_id: "424cdd21-063a-43a7-b91b-7ca1a833afae",
  app_version: "2.3.0",
  device_type: "android",
  ip: "199.172.111.135",
  locale: "RU",
  device_id: "593-47-5928",
};
const body = (fields: Record<string, unknown>) => JSON.stringify(fields);
const reasonOf = (text: string) => {
  const result = validate(text);
  return result.ok ? "row" : result.reason;
};

describe("validate", () => {
  it("accepts the canonical message and converts app_version to its major", () => {
    const result = validate(body(good));
    assert.deepEqual(result, {
      ok: true,
      event: {
        userId: good.user_id,
        deviceType: "android",
        ip: "199.172.111.135",
        deviceId: "593-47-5928",
        locale: "RU",
        appVersion: 2,
      },
    });
  });

  it("accepts a null or absent locale as null", () => {
    const nullLocale = validate(body({ ...good, locale: null }));
    const { locale: _omitted, ...withoutLocale } = good;
    const absent = validate(body(withoutLocale));
    assert.equal(nullLocale.ok && nullLocale.event.locale, null);
    assert.equal(absent.ok && absent.event.locale, null);
  });

  it("accepts two-part versions and numeric app_version", () => {
    for (const version of ["0.96", "2.00", "v2.3.0", "2", "2.3.0-beta.1+build.5"]) {
      assert.equal(reasonOf(body({ ...good, app_version: version })), "row", version);
    }
    const numeric = validate(body({ ...good, app_version: 3 }));
    assert.equal(numeric.ok && numeric.event.appVersion, 3);
  });

  it("gives a reason code for every kind of bad message", () => {
    const cases: [string, string][] = [
      ['{"user_id": "x", ', "malformed_json"],
      ["[1, 2]", "not_an_object"],
      ["null", "not_an_object"],
      ['"text"', "not_an_object"],
      ['{"foo": "oops_wrong_msg_type", "bar": "123"}', "missing_field:user_id"],
      [body({ ...good, device_id: undefined }), "missing_field:device_id"],
      [body({ ...good, ip: "999.1.2.3" }), "invalid_field:ip"],
      [body({ ...good, ip: 12345 }), "invalid_field:ip"],
      [body({ ...good, user_id: "   " }), "invalid_field:user_id"],
      [body({ ...good, app_version: "latest" }), "invalid_field:app_version"],
      [body({ ...good, app_version: null }), "invalid_field:app_version"],
      [body({ ...good, locale: 7 }), "invalid_field:locale"],
      [body({ ...good, user_id: "u".repeat(129) }), "too_long:user_id"],
      [body({ ...good, device_type: "d".repeat(33) }), "too_long:device_type"],
      [body({ ...good, locale: "l".repeat(33) }), "too_long:locale"],
      [body({ ...good, device_id: "é".repeat(81) }), "too_long:device_id"],
      [body({ ...good, device_type: "android\u0000" }), "nul_character:device_type"],
      [body({ ...good, device_id: "1\u00002" }), "nul_character:device_id"],
      [body({ ...good, app_version: "2.3.0\u0000" }), "nul_character:app_version"],
    ];
    for (const [text, reason] of cases) assert.equal(reasonOf(text), reason, text.slice(0, 60));
  });

  it("measures length in characters as PostgreSQL does, not UTF-16 units", () => {
    // 128 emoji are 256 UTF-16 units but 128 characters: varchar(128) holds them.
    assert.equal(reasonOf(body({ ...good, user_id: "😀".repeat(128) })), "row");
    assert.equal(reasonOf(body({ ...good, user_id: "😀".repeat(129) })), "too_long:user_id");
  });

  it("reports the first problem in column order", () => {
    assert.equal(reasonOf(body({ device_type: "d".repeat(40) })), "missing_field:user_id");
  });

  it("agrees with the expectation of every generated sample event", () => {
    for (const event of generateEvents(3000, { seed: 7, badRatio: 0.2 })) {
      assert.equal(reasonOf(event.body), event.expect, event.body.slice(0, 80));
    }
  });
});
