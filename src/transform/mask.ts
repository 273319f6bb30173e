import { createHash, createHmac } from "node:crypto";
import { seal } from "./deterministic-cipher.ts";
import type { KeyRing, MaskKey } from "./mask-key.ts";

/** How ip and device_id are masked: keyed (hmac, encrypt) with a ring of keys, or unkeyed sha256. */
export type MaskConfig =
  | { readonly mode: "hmac" | "encrypt"; readonly keys: KeyRing }
  | { readonly mode: "sha256" };

/**
 * What a masked value belongs to. The domain is hashed (or authenticated) in with the value, so the same
 * string masks differently as an ip and as a device id, and one column cannot be joined against the other.
 */
export type MaskDomain = "ip" | "device_id" | "other" | "body" | "key";
export type PiiDomain = "ip" | "device_id";

export interface Masker {
  readonly mode: MaskConfig["mode"];
  /** Masks a value that has already been put in canonical form. */
  mask(domain: MaskDomain, canonicalValue: string): string;
}

const SEPARATOR = "\u001f";
/** Masked values of the reversible mode start with this, then the key id, then base64url ciphertext. */
export const ENCRYPTED_PREFIX = "enc:";

function hmac(key: MaskKey, domain: MaskDomain, value: string): string {
  return `${key.id}:${createHmac("sha256", key.macKey)
    .update(domain + SEPARATOR + value)
    .digest("hex")}`;
}

/**
 * hmac (default): `<key id>:<hex HMAC-SHA-256(mac key, domain ␟ value)>`, 73 characters, one-way. Without the
 * key nobody can test a guess, so the small spaces of IPv4 addresses and SSN-shaped device ids cannot be
 * enumerated.
 *
 * encrypt: ip and device_id become `enc:<key id>:<base64url AES-256-GCM-SIV>`, deterministic and reversible
 * by holders of the key (`securelog reveal`); everything else (unknown fields of rejected bodies, body digests)
 * stays one-way HMAC.
 *
 * sha256: plain hex SHA-256 of the value, the seed design. Anyone with the table can recover every value by
 * hashing all 2^32 IPv4 addresses (seconds on a GPU); kept for compatibility and documented as weak.
 *
 * `key` picks another loaded key than the current one (forget checks every key).
 */
export function createMasker(config: MaskConfig, key?: MaskKey): Masker {
  if (config.mode === "sha256") {
    return { mode: "sha256", mask: (_domain, value) => createHash("sha256").update(value).digest("hex") };
  }
  const k = key ?? config.keys.current;
  if (config.mode === "hmac") return { mode: "hmac", mask: (domain, value) => hmac(k, domain, value) };
  const prefix = `${ENCRYPTED_PREFIX}${k.id}:`;
  return {
    mode: "encrypt",
    mask: (domain, value) =>
      domain === "ip" || domain === "device_id"
        ? prefix + Buffer.from(seal(k.encKey, domain, value)).toString("base64url")
        : hmac(k, domain, value),
  };
}
