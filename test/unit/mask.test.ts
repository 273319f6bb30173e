import assert from "node:assert/strict";
import { createHash, createHmac, randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import fc from "fast-check";
import { canonicalIp } from "../../src/transform/canonical-ip.ts";
import { createMasker } from "../../src/transform/mask.ts";
import { generateKeyText, keyFromBytes, parseKey } from "../../src/transform/mask-key.ts";
import { maskBody } from "../../src/transform/masked-body.ts";

const key = keyFromBytes(Buffer.alloc(32, 7));
const masker = createMasker({ mode: "hmac", key });

describe("hmac masking", () => {
  it("is HMAC-SHA-256 over domain and value, tagged with the key id", () => {
    const expected = createHmac("sha256", key.bytes).update("ip\u001f1.2.3.4").digest("hex");
    assert.equal(masker.mask("ip", "1.2.3.4"), `${key.id}:${expected}`);
    assert.match(key.id, /^[0-9a-f]{8}$/);
  });

  it("passes the RFC 4231 test case 2 through node's HMAC-SHA-256", () => {
    const mac = createHmac("sha256", "Jefe").update("what do ya want for nothing?").digest("hex");
    assert.equal(mac, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  });

  it("is deterministic, fits varchar(256), and differs between keys and between fields", () => {
    const other = createMasker({ mode: "hmac", key: keyFromBytes(Buffer.alloc(32, 8)) });
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (value) => {
        const a = masker.mask("device_id", value);
        return (
          a === masker.mask("device_id", value) &&
          a.length <= 256 &&
          a !== other.mask("device_id", value) &&
          a !== masker.mask("ip", value) &&
          !a.includes(value.length > 3 ? value : "\u0000")
        );
      }),
    );
  });

  it("masks different spellings of one address alike", () => {
    const spellings = ["::ffff:1.2.3.4", "1.2.3.4", " 1.2.3.4 ", "::FFFF:1.2.3.4"];
    const masks = new Set(spellings.map((s) => masker.mask("ip", canonicalIp(s) ?? "invalid")));
    assert.equal(masks.size, 1);
    const v6 = ["2001:DB8::1", "2001:db8:0:0:0:0:0:1", "2001:0db8::0001"];
    assert.equal(new Set(v6.map((s) => canonicalIp(s))).size, 1);
    assert.equal(canonicalIp("2001:DB8::1"), "2001:db8::1");
    assert.equal(canonicalIp("010.1.1.1"), undefined);
    assert.equal(canonicalIp("not an ip"), undefined);
  });
});

describe("sha256 masking", () => {
  it("is the plain unkeyed SHA-256 hex of the seed design", () => {
    const plain = createMasker({ mode: "sha256" });
    assert.equal(plain.mask("ip", "1.2.3.4"), createHash("sha256").update("1.2.3.4").digest("hex"));
  });
});

describe("keys", () => {
  it("round-trips what keygen prints", () => {
    const text = generateKeyText();
    assert.equal(Buffer.from(text, "base64").length, 32);
    assert.equal(parseKey(`${text}\n`, "test").bytes.toString("base64"), text);
  });

  it("refuses short or non-base64 keys without echoing them", () => {
    const short = randomBytes(16).toString("base64");
    assert.throws(
      () => parseKey(short, "SECURELOG_KEY"),
      (error: Error) => {
        assert.match(error.message, /SECURELOG_KEY decodes to 16 bytes/);
        assert.ok(!error.message.includes(short));
        return true;
      },
    );
    assert.throws(() => parseKey("not base64 at all!", "SECURELOG_KEY"), /not base64/);
  });
});

describe("maskBody", () => {
  it("masks ip, device_id and unknown fields, and keeps the known non-PII fields", () => {
    const out = maskBody(
      {
        user_id: "u1",
        ip: "10.0.0.1",
        device_id: "123-45-6789",
        locale: null,
        app_version: "2.x",
        extra: "10.0.0.1",
      },
      masker,
    );
    assert.deepEqual(out, {
      user_id: "u1",
      ip: masker.mask("ip", "10.0.0.1"),
      device_id: masker.mask("device_id", "123-45-6789"),
      locale: null,
      app_version: "2.x",
      extra: masker.mask("other", '"10.0.0.1"'),
    });
    assert.ok(!JSON.stringify(out).includes("10.0.0.1"));
    assert.ok(!JSON.stringify(out).includes("123-45-6789"));
  });

  it("keeps nothing of a body that is not a JSON object, and never a NUL", () => {
    assert.equal(maskBody([1, 2], masker), null);
    assert.equal(maskBody(undefined, masker), null);
    assert.equal(maskBody({ device_type: "a\u0000b" }, masker)?.device_type, "a\uFFFDb");
    const nested = maskBody({ ip: ["1.2.3.4"] }, masker);
    assert.ok(!JSON.stringify(nested).includes("1.2.3.4"));
  });
});
