import assert from "node:assert/strict";
import { createHash, createHmac, randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { gcmsiv } from "@noble/ciphers/aes.js";
import fc from "fast-check";
import { canonicalIp } from "../../src/transform/canonical-ip.ts";
import { open, seal } from "../../src/transform/deterministic-cipher.ts";
import { storedForms } from "../../src/transform/erasure.ts";
import type { MaskConfig } from "../../src/transform/mask.ts";
import { createMasker } from "../../src/transform/mask.ts";
import {
  convertLegacyKey,
  generateKeyText,
  keyFromBytes,
  keyRing,
  notRandomReason,
  parseKey,
  parseKeyList,
} from "../../src/transform/mask-key.ts";
import { maskBody } from "../../src/transform/masked-body.ts";
import { reveal } from "../../src/transform/reveal.ts";

const keyA = keyFromBytes(Buffer.alloc(32, 7));
const keyB = keyFromBytes(Buffer.alloc(32, 8));
const hmacA: MaskConfig = { mode: "hmac", keys: keyRing(keyA, []) };
const encA: MaskConfig = { mode: "encrypt", keys: keyRing(keyA, []) };
const encB: MaskConfig = { mode: "encrypt", keys: keyRing(keyB, []) };
const masker = createMasker(hmacA);
const hex = (h: string) => new Uint8Array(Buffer.from(h, "hex"));
const ascii = (s: string) => Buffer.from(s, "latin1");

describe("published test vectors", () => {
  it("RFC 4231: HMAC-SHA-256 test cases 1, 2, 3, 4, 6 and 7", () => {
    const cases: [Buffer, Buffer, string][] = [
      [
        Buffer.alloc(20, 0x0b),
        ascii("Hi There"),
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
      ],
      [
        ascii("Jefe"),
        ascii("what do ya want for nothing?"),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
      ],
      [
        Buffer.alloc(20, 0xaa),
        Buffer.alloc(50, 0xdd),
        "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
      ],
      [
        Buffer.from("0102030405060708090a0b0c0d0e0f10111213141516171819", "hex"),
        Buffer.alloc(50, 0xcd),
        "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
      ],
      [
        Buffer.alloc(131, 0xaa),
        ascii("Test Using Larger Than Block-Size Key - Hash Key First"),
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
      ],
      [
        Buffer.alloc(131, 0xaa),
        ascii(
          "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.",
        ),
        "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
      ],
    ];
    for (const [key, data, expected] of cases) {
      assert.equal(createHmac("sha256", key).update(data).digest("hex"), expected);
    }
  });

  it("RFC 8452 appendix C.2: AEAD_AES_256_GCM_SIV", () => {
    const key = hex("0100000000000000000000000000000000000000000000000000000000000000");
    const nonce = hex("030000000000000000000000");
    const cases: [string, string][] = [
      ["", "07f5f4169bbf55a8400cd47ea6fd400f"],
      ["0100000000000000", "c2ef328e5c71c83b843122130f7364b761e0b97427e3df28"],
      [
        "01000000000000000000000000000000",
        "85a01b63025ba19b7fd3ddfc033b3e76c9eac6fa700942702e90862383c6c366",
      ],
      [
        "0100000000000000000000000000000002000000000000000000000000000000",
        "4a6a9db4c8c6549201b9edb53006cba821ec9cf850948a7c86c68ac7539d027fe819e63abcd020b006a976397632eb5d",
      ],
    ];
    for (const [plaintext, result] of cases) {
      assert.equal(Buffer.from(gcmsiv(key, nonce).encrypt(hex(plaintext))).toString("hex"), result);
      assert.equal(Buffer.from(gcmsiv(key, nonce).decrypt(hex(result))).toString("hex"), plaintext);
    }
  });
});

describe("hmac masking (default)", () => {
  it("is HMAC-SHA-256 under a derived key over field and value, tagged with the key id", () => {
    const expected = createHmac("sha256", keyA.macKey).update("ip\u001f1.2.3.4").digest("hex");
    assert.equal(masker.mask("ip", "1.2.3.4"), `${keyA.id}:${expected}`);
    assert.match(keyA.id, /^[0-9a-f]{8}$/);
  });

  it("is deterministic, fits varchar(256), and differs between keys and between fields", () => {
    const other = createMasker({ mode: "hmac", keys: keyRing(keyB, []) });
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (value) => {
        const a = masker.mask("device_id", value);
        return (
          a === masker.mask("device_id", value) &&
          a.length <= 256 &&
          a !== other.mask("device_id", value) &&
          a !== masker.mask("ip", value)
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

  it("cannot be revealed", () => {
    assert.deepEqual(reveal(masker.mask("ip", "1.2.3.4"), keyRing(keyA, [])), {
      ok: false,
      reason: "one_way",
    });
  });
});

describe("encrypt masking (reversible)", () => {
  const deviceIds = fc.string({ unit: "grapheme", maxLength: 40 }).filter((s) => Buffer.byteLength(s) <= 160);

  it("is deterministic and reveal(mask(v)) = v for the key holder", () => {
    const ring = keyRing(keyA, []);
    fc.assert(
      fc.property(deviceIds, fc.constantFrom("ip" as const, "device_id" as const), (value, domain) => {
        const masked = createMasker(encA).mask(domain, value);
        const back = reveal(masked, ring);
        return (
          masked === createMasker(encA).mask(domain, value) &&
          masked.length <= 256 &&
          back.ok &&
          back.value === value &&
          back.domain === domain
        );
      }),
    );
  });

  it("gives different masks under different keys, and fits varchar(256) for the longest valid values", () => {
    fc.assert(
      fc.property(
        deviceIds,
        (v) => createMasker(encA).mask("device_id", v) !== createMasker(encB).mask("device_id", v),
      ),
    );
    const longest = createMasker(encA).mask("device_id", "\u{1F600}".repeat(40)); // 160 UTF-8 bytes
    assert.ok(longest.length <= 256, `${longest.length}`);
    assert.ok(createMasker(encA).mask("ip", "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255").length <= 256);
  });

  it("refuses a wrong key or a tampered value with a reason, never garbage", () => {
    const masked = createMasker(encA).mask("ip", "10.1.2.3");
    assert.deepEqual(reveal(masked, keyRing(keyB, [])), { ok: false, reason: "unknown_key", keyId: keyA.id });
    const last = masked.at(-2) === "A" ? "B" : "A";
    const tampered = `${masked.slice(0, -2)}${last}${masked.at(-1)}`;
    assert.deepEqual(reveal(tampered, keyRing(keyA, [])), { ok: false, reason: "tampered", keyId: keyA.id });
    assert.equal(reveal("hello", keyRing(keyA, [])).ok, false);
    // A value sealed for one field does not open as the other.
    const sealed = seal(keyA.encKey, "ip", "10.1.2.3");
    assert.equal(open(keyA.encKey, "device_id", sealed), undefined);
  });

  it("reveals values masked by a previous key once that key is loaded", () => {
    const masked = createMasker(encA).mask("device_id", "593-47-5928");
    const rotated = keyRing(keyB, [keyA]);
    const back = reveal(masked, rotated);
    assert.ok(back.ok && back.value === "593-47-5928");
  });

  it("lists every form a value can be stored in: hmac and encrypt under each loaded key, and sha256", () => {
    const rotated = keyRing(keyB, [keyA]);
    const forms = storedForms(rotated, "device_id", "593-47-5928");
    const values = new Set(forms.map((f) => f.value));
    for (const config of [encA, encB, hmacA, { mode: "hmac" as const, keys: keyRing(keyB, []) }]) {
      assert.ok(values.has(createMasker(config).mask("device_id", "593-47-5928")));
    }
    assert.ok(values.has(createMasker({ mode: "sha256" }).mask("device_id", "593-47-5928")));
    assert.deepEqual(
      forms.map((f) => `${f.scheme}:${f.keyId ?? "-"}`).sort(),
      [`encrypt:${keyA.id}`, `encrypt:${keyB.id}`, `hmac:${keyA.id}`, `hmac:${keyB.id}`, "sha256:-"].sort(),
    );
  });

  it("keeps unknown fields and body digests one-way", () => {
    assert.equal(createMasker(encA).mask("other", "x"), masker.mask("other", "x"));
  });
});

describe("sha256 masking", () => {
  it("is the plain unkeyed SHA-256 hex of the seed design", () => {
    const plain = createMasker({ mode: "sha256" });
    assert.equal(plain.mask("ip", "1.2.3.4"), createHash("sha256").update("1.2.3.4").digest("hex"));
  });
});

describe("keys", () => {
  it("round-trips what keygen prints: slk1_, 32 random bytes, a checksum; separate sub-keys", () => {
    const text = generateKeyText();
    assert.match(text, /^slk1_[A-Za-z0-9_-]{49}$/);
    const key = parseKey(`${text}\n`, "test");
    assert.equal(key.id, parseKey(text, "again").id);
    assert.notDeepEqual(new Uint8Array(key.macKey.export()), key.encKey);
    assert.notDeepEqual(key.erasureKey.export(), key.macKey.export());
    assert.notDeepEqual(key.replayKey.export(), key.erasureKey.export());
  });

  it("tells random bytes from text, low entropy, repeated patterns and counting sequences", () => {
    for (let i = 0; i < 2000; i++) assert.equal(notRandomReason(randomBytes(32)), undefined);
    assert.match(notRandomReason(Buffer.from("my-company-securelog-key-for-prd")) ?? "", /printable/);
    assert.match(notRandomReason(Buffer.alloc(32, 7)) ?? "", /distinct/);
    const pattern = Buffer.concat([randomBytes(16), Buffer.alloc(16)]);
    pattern.copy(pattern, 16, 0, 16);
    assert.match(notRandomReason(pattern) ?? "", /distinct|pattern of 16/);
    assert.match(
      notRandomReason(Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 7 + 200) & 255))) ?? "",
      /counting/,
    );
  });

  it("reads a list of keys with comments, separated by lines, commas or spaces, in order", () => {
    const [a, b, c] = [generateKeyText(), generateKeyText(), generateKeyText()];
    const ids = [a, b, c].map((k) => parseKey(k, "k").id);
    const fromFile = parseKeyList(`# current\n${a}\n# before the 2026 rotation\n${b}, ${c}\n`, "file");
    assert.deepEqual(
      fromFile.map((k) => k.id),
      ids,
    );
    assert.deepEqual(
      parseKeyList(`${a},${b} ${c}`, "SECURELOG_KEY").map((k) => k.id),
      ids,
    );
  });

  it("refuses passphrases, hand-made and mistyped keys, naming keygen and never echoing them", () => {
    const good = generateKeyText();
    const typo = `${good.slice(0, 20)}${good[20] === "A" ? "B" : "A"}${good.slice(21)}`;
    const cases: [string, RegExp][] = [
      ["my-company-securelog-key-for-production-2026", /not a SecureLog key.*securelog keygen/],
      [`changeme${"x".repeat(40)}`, /not a SecureLog key/],
      ["0".repeat(44), /not a SecureLog key/],
      ["not base64!!", /not a SecureLog key/],
      [good.slice(0, -1), /not a SecureLog key/],
      [typo, /mistyped or cut short/],
      [randomBytes(32).toString("base64"), /previous format.*securelog keygen --convert/],
    ];
    for (const [text, message] of cases) {
      assert.throws(
        () => parseKey(text, "SECURELOG_KEY"),
        (error: Error) => {
          assert.match(error.message, message, text);
          assert.ok(!error.message.includes(text), "the key is never echoed");
          return true;
        },
      );
    }
  });

  it("converts a key of the previous format, or from a KMS, to the same bytes: the masks do not change", () => {
    const bytes = randomBytes(32);
    const converted = convertLegacyKey(bytes.toString("base64"), "stdin");
    assert.equal(parseKey(converted, "converted").id, keyFromBytes(bytes).id);
    assert.equal(convertLegacyKey(converted, "again"), converted);
    assert.throws(
      () => convertLegacyKey(Buffer.alloc(32).toString("base64"), "zeros"),
      /does not look like 32 random bytes/,
    );
    assert.throws(() => convertLegacyKey("0".repeat(44), "zeros"), /not base64 of 32 bytes/);
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
      [masker.mask("key", '"extra"')]: masker.mask("other", '"10.0.0.1"'),
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

  it("masks key names other than the six known fields: a key can be personal data too", () => {
    const out = maskBody({ "10.9.8.7": "x", "593-47-5928": 1, user_id: "u" }, masker);
    const text = JSON.stringify(out);
    assert.ok(!text.includes("10.9.8.7") && !text.includes("593-47-5928"), text);
    assert.equal(out?.user_id, "u");
    assert.ok(masker.mask("key", '"10.9.8.7"') in (out ?? {}));
  });

  it("never recurses without bound: 20,000 levels of nesting mask like any value", () => {
    const deep = JSON.parse(
      `{"a":${"[".repeat(20_000)}${"]".repeat(20_000)},"ip":${"[".repeat(20_000)}${"]".repeat(20_000)}}`,
    );
    const out = maskBody(deep, masker);
    assert.equal(Object.keys(out ?? {}).length, 2);
    assert.equal(out?.ip, masker.mask("ip", "<nested deeper than 32 levels>"));
  });

  it("keeps only text jsonb accepts: no lone surrogate, no pair cut in half, no U+0000, in values or keys", () => {
    // The odd offset puts a pair across the 256-unit cut.
    const emoji = `a${"😀".repeat(200)}`;
    const out = maskBody({ user_id: emoji, device_type: "a\ud800b", locale: "\udc00" }, masker);
    const userId = String(out?.user_id);
    assert.ok(userId.isWellFormed(), "a surrogate pair was cut in half");
    assert.equal(userId, `a${"😀".repeat(127)}…`);
    assert.equal(out?.device_type, "a\uFFFDb");
    assert.equal(out?.locale, "\uFFFD");
    for (const value of Object.values(out ?? {}))
      if (typeof value === "string") assert.ok(value.isWellFormed());
  });
});
