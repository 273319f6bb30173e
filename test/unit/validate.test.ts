import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createValidator } from "../../src/transform/validate.ts";
import { CANONICAL_EVENT, generateEvents } from "../fixtures/sample-events.ts";

const validate = createValidator("major");
const good: Record<string, unknown> = { ...CANONICAL_EVENT };
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

describe("validate: odd but legal JSON", () => {
  it("rejects a known field given twice, whichever copy is valid", () => {
    const valid = body(good).slice(0, -1);
    assert.equal(reasonOf(`${valid}, "ip": "not-an-ip"}`), "duplicate_field:ip");
    assert.equal(reasonOf(`{"ip": "not-an-ip", ${valid.slice(1)}}`), "duplicate_field:ip");
    // An escape spells the same key differently; JSON.parse would still merge them.
    assert.equal(reasonOf(`${valid}, "\\u0064evice_id": "1"}`), "duplicate_field:device_id");
    // A repeated unknown key, or a known name as a value, is not a duplicate field.
    assert.equal(reasonOf(`${valid}, "x": 1, "x": 2}`), "row");
    assert.equal(reasonOf(`${valid}, "note": "ip", "other": {"ip": "ip"}}`), "row");
  });

  it("rejects invalid Unicode (a lone surrogate) with its own reason instead of changing the value", () => {
    assert.equal(reasonOf(body({ ...good, user_id: "u\ud800" })), "invalid_unicode:user_id");
    const deviceIds = ["593\\ud800", "593\\udbff"].map(
      (d) => `{"user_id": "u", "app_version": "1", "device_type": "a", "ip": "1.2.3.4", "device_id": "${d}"}`,
    );
    for (const text of deviceIds) assert.equal(reasonOf(text), "invalid_unicode:device_id");
    assert.equal(reasonOf(body({ ...good, locale: "R\udc00" })), "invalid_unicode:locale");
    // A valid astral character is fine.
    assert.equal(reasonOf(body({ ...good, device_id: "dev-😀" })), "row");
  });

  it("reads a bare numeric app_version from its source text, not from the rounded number", () => {
    const packed = createValidator("packed");
    const version = (text: string, v: typeof validate = packed) => {
      const result = v(
        `{"user_id": "u", "app_version": ${text}, "device_type": "a", "ip": "1.2.3.4", "device_id": "d"}`,
      );
      return result.ok ? result.event.appVersion : result.reason;
    };
    assert.equal(version("1.10"), 1_010_000);
    assert.equal(version("1.1"), 1_001_000);
    assert.equal(version("2"), 2_000_000);
    assert.equal(version("2.9999999999999999"), "invalid_field:app_version");
    assert.equal(version("2.9999999999999999", validate), "invalid_field:app_version");
    assert.equal(version("1e2"), "invalid_field:app_version");
    assert.equal(version("3", validate), 3);
  });

  it("loads an empty or blank locale as NULL, as null and absence do", () => {
    for (const locale of ["", "  "]) {
      const result = validate(body({ ...good, locale }));
      assert.equal(result.ok && result.event.locale, null, JSON.stringify(locale));
    }
  });
});

describe("canonical ip: zone ids", () => {
  it("canonicalises the address of a zoned IPv6 and keeps the zone as written", async () => {
    const { canonicalIp } = await import("../../src/transform/canonical-ip.ts");
    assert.equal(canonicalIp("fe80::1%eth0"), "fe80::1%eth0");
    assert.equal(canonicalIp("fe80:0:0:0:0:0:0:1%eth0"), "fe80::1%eth0");
    assert.equal(canonicalIp("FE80::0001%eth0"), "fe80::1%eth0");
    assert.equal(canonicalIp("fe80::1%ETH0"), "fe80::1%ETH0");
    assert.notEqual(canonicalIp("fe80::1%eth0"), canonicalIp("fe80::1%ETH0"));
  });
});
