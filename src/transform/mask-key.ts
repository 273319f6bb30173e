import { createHash, createSecretKey, hkdfSync, type KeyObject, randomBytes } from "node:crypto";
import { ConfigError } from "../errors.ts";

/**
 * A masking key: at least 32 random bytes. The key itself is never used directly: HKDF derives one sub-key
 * for the one-way HMAC and another for the reversible cipher, so the two modes never share key material.
 */
export interface MaskKey {
  /** 8 hex characters of SHA-256 over the key; tags every masked value with the key that made it. */
  readonly id: string;
  /** A KeyObject, not bytes: node re-imports a Buffer key on every createHmac call, 7x slower (docs/benchmarks.md). */
  readonly macKey: KeyObject;
  readonly encKey: Uint8Array;
  /** Signs the original MessageId that `securelog replay` carries over (src/source/replay-id.ts). */
  readonly replayKey: KeyObject;
}

/** The key that masks new values, and the older ones still accepted for reveal, forget and rekey. */
export interface KeyRing {
  readonly current: MaskKey;
  /** current first, then previous keys in the order given. */
  readonly all: readonly MaskKey[];
}

export const MIN_KEY_BYTES = 32;

function derive(bytes: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync("sha256", bytes, Buffer.alloc(0), `securelog ${purpose} v1`, 32));
}

export function keyFromBytes(bytes: Buffer): MaskKey {
  const id = createHash("sha256").update("securelog key id\u001f").update(bytes).digest("hex").slice(0, 8);
  return Object.freeze({
    id,
    macKey: createSecretKey(derive(bytes, "hmac-sha256")),
    encKey: new Uint8Array(derive(bytes, "aes-256-gcm-siv")),
    replayKey: createSecretKey(derive(bytes, "replay-id")),
  });
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

/** Keys separated by commas, white space or new lines; `#` starts a comment (key files may annotate keys). */
export function parseKeyList(text: string, source: string): MaskKey[] {
  const keys = text
    .split("\n")
    .map((line) => line.replace(/#.*$/, ""))
    .join(" ")
    .split(/[\s,]+/)
    .filter((part) => part !== "");
  return keys.map((key, index) => parseKey(key, keys.length === 1 ? source : `${source} (key ${index + 1})`));
}

export function keyRing(current: MaskKey, previous: readonly MaskKey[]): KeyRing {
  const all = [current, ...previous.filter((key) => key.id !== current.id)];
  return Object.freeze({ current, all: Object.freeze(all) });
}

/** A fresh key in the exact text form SECURELOG_KEY and --key-file accept. */
export function generateKeyText(): string {
  return randomBytes(MIN_KEY_BYTES).toString("base64");
}
