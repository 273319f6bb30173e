import { createHash, createHmac } from "node:crypto";
import type { MaskConfig } from "../config.ts";

/**
 * What a masked value belongs to. The domain is hashed in with the value, so the same string masks differently
 * as an ip and as a device id, and a table of one cannot be joined against the other.
 */
export type MaskDomain = "ip" | "device_id" | "other" | "body";

export interface Masker {
  readonly mode: MaskConfig["mode"];
  /** Masks a value that has already been put in canonical form. */
  mask(domain: MaskDomain, canonicalValue: string): string;
}

const SEPARATOR = "\u001f";

/**
 * hmac (default): `<key id>:<hex HMAC-SHA-256(key, domain ␟ value)>` — 73 characters. Without the key, nobody
 * can test a guess, so the small spaces of IPv4 addresses and SSN-shaped device ids cannot be enumerated.
 *
 * sha256: plain hex SHA-256 of the value, the seed design. Anyone with the table can recover every value by
 * hashing all 2^32 IPv4 addresses (seconds on a GPU); kept for compatibility and documented as weak.
 */
export function createMasker(config: MaskConfig): Masker {
  if (config.mode === "sha256") {
    return {
      mode: "sha256",
      mask: (_domain, value) => createHash("sha256").update(value).digest("hex"),
    };
  }
  const { bytes, id } = config.key;
  const prefix = `${id}:`;
  return {
    mode: "hmac",
    mask: (domain, value) =>
      prefix + createHmac("sha256", bytes).update(domain).update(SEPARATOR).update(value).digest("hex"),
  };
}
