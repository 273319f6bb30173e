import { createHash, randomBytes } from "node:crypto";
import { ConfigError } from "../errors.ts";

/** A masking key: at least 32 random bytes, plus a short public fingerprint that tags every masked value. */
export interface MaskKey {
  readonly bytes: Buffer;
  /** 8 hex characters of SHA-256 over the key; identifies which key masked a value without revealing it. */
  readonly id: string;
}

export const MIN_KEY_BYTES = 32;

export function keyFromBytes(bytes: Buffer): MaskKey {
  const id = createHash("sha256").update("securelog key id\u001f").update(bytes).digest("hex").slice(0, 8);
  return Object.freeze({ bytes, id });
}

/**
 * Parses a base64 key. Errors name where the key came from, never its content.
 */
export function parseKey(text: string, source: string): MaskKey {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) {
    throw new ConfigError(`${source} is not base64. Create a key with \`securelog keygen\`.`, "bad_key");
  }
  const bytes = Buffer.from(trimmed, "base64");
  if (bytes.length < MIN_KEY_BYTES) {
    throw new ConfigError(
      `${source} decodes to ${bytes.length} bytes; a key needs at least ${MIN_KEY_BYTES}. Create one with \`securelog keygen\`.`,
      "bad_key",
    );
  }
  return keyFromBytes(bytes);
}

/** A fresh key in the exact text form SECURELOG_KEY and --key-file accept. */
export function generateKeyText(): string {
  return randomBytes(MIN_KEY_BYTES).toString("base64");
}
