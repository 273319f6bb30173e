import { createHash, createSecretKey, hkdfSync, type KeyObject, randomBytes } from "node:crypto";
import { ConfigError } from "../errors.ts";

/**
 * A masking key: 32 random bytes. The key itself is never used directly: HKDF derives one sub-key per purpose
 * (the one-way HMAC, the reversible cipher, replay ids, the erasure register), so no two uses share key material.
 */
export interface MaskKey {
  /**
   * 8 hex characters of SHA-256 over the key; tags every masked value with the key that made it. Not an oracle:
   * only 256-bit random keys are accepted, so testing a guess against the id means guessing 256 bits.
   */
  readonly id: string;
  /** A KeyObject, not bytes: node re-imports a Buffer key on every createHmac call, 7x slower (docs/benchmarks.md). */
  readonly macKey: KeyObject;
  readonly encKey: Uint8Array;
  /** Signs the original MessageId that `securelog replay` carries over (src/source/replay-id.ts). */
  readonly replayKey: KeyObject;
  /** Keys the digests of the erasure register (src/transform/erasure.ts). */
  readonly erasureKey: KeyObject;
}

/** The key that masks new values, and the older ones still accepted for reveal, forget and rekey. */
export interface KeyRing {
  readonly current: MaskKey;
  /** current first, then previous keys in the order given. */
  readonly all: readonly MaskKey[];
}

export const KEY_BYTES = 32;

/**
 * The text form of a key: `slk1_`, the 32 bytes in base64url (43 characters), and a 6-character checksum. Like
 * modern API tokens it describes itself: a passphrase, a truncated copy or a typo is refused instead of becoming
 * a weak key, and secret scanners can recognise it by its prefix.
 */
const PREFIX = "slk1_";
const KEY_TEXT = /^slk1_([A-Za-z0-9_-]{43})([A-Za-z0-9_-]{6})$/;
/** What `keygen` printed before the format had a prefix, and what a KMS gives: standard base64 of 32 bytes. */
const LEGACY_TEXT = /^[A-Za-z0-9+/]{43}=$/;

function derive(bytes: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync("sha256", bytes, Buffer.alloc(0), `securelog ${purpose} v1`, 32));
}

function checksum(bytes: Buffer): string {
  return createHash("sha256").update(PREFIX).update(bytes).digest().subarray(0, 4).toString("base64url");
}

export function keyFromBytes(bytes: Buffer): MaskKey {
  const id = createHash("sha256").update("securelog key id\u001f").update(bytes).digest("hex").slice(0, 8);
  return Object.freeze({
    id,
    macKey: createSecretKey(derive(bytes, "hmac-sha256")),
    encKey: new Uint8Array(derive(bytes, "aes-256-gcm-siv")),
    replayKey: createSecretKey(derive(bytes, "replay-id")),
    erasureKey: createSecretKey(derive(bytes, "erasure-register")),
  });
}

/** The key's bytes in the text form every command accepts. */
export function keyText(bytes: Buffer): string {
  return `${PREFIX}${bytes.toString("base64url")}${checksum(bytes)}`;
}

/** A fresh key in the exact text form SECURELOG_KEY and --key-file accept. */
export function generateKeyText(): string {
  return keyText(randomBytes(KEY_BYTES));
}

/** How to turn a key of the previous format into this one; the masks stay the same (the bytes do). */
export const CONVERT_HELP =
  'convert it, the masks stay the same: `securelog keygen --convert < old.key --out new.key` (or for the environment: export SECURELOG_KEY="$(printenv SECURELOG_KEY | securelog keygen --convert)")';

/**
 * Parses a key in the text form (`slk1_…`). Errors name where the key came from, never its content, and say what
 * to do: a key of the previous format (or from a KMS) is converted with `securelog keygen --convert`; anything
 * else is not a key.
 */
export function parseKey(text: string, source: string): MaskKey {
  const trimmed = text.trim();
  const match = KEY_TEXT.exec(trimmed);
  if (match === null) {
    if (LEGACY_TEXT.test(trimmed)) {
      throw new ConfigError(
        `${source} is a key in the previous format (plain base64); ${CONVERT_HELP}.`,
        "legacy_key",
      );
    }
    throw new ConfigError(
      `${source} is not a SecureLog key (expected slk1_… as printed by \`securelog keygen\`; passphrases and hand-made keys are refused). Create one with \`securelog keygen\`.`,
      "bad_key",
    );
  }
  const bytes = Buffer.from(match[1] ?? "", "base64url");
  if (bytes.length !== KEY_BYTES || checksum(bytes) !== match[2]) {
    throw new ConfigError(
      `${source} was mistyped or cut short: its checksum does not match. Copy it again from where it is kept.`,
      "bad_key",
    );
  }
  return keyFromBytes(bytes);
}

/**
 * Why 32 bytes are plainly not random, or undefined. A passphrase (or any text) base64-encoded into a "key" gives a
 * key id that lets whoever holds the table test passphrase guesses offline, and then every IPv4 address; random
 * bytes fail none of these tests in practice (in 300,000 random keys: none with 28 printable bytes, none with fewer
 * than 20 distinct values).
 */
export function notRandomReason(bytes: Uint8Array): string | undefined {
  let printable = 0;
  for (const byte of bytes) if (byte >= 0x20 && byte <= 0x7e) printable++;
  if (printable >= 28)
    return `${printable} of its ${bytes.length} bytes are printable text, like a passphrase`;
  if (new Set(bytes).size < 20) return "its bytes take too few distinct values (low entropy)";
  for (let period = 1; period <= 16; period++) {
    let repeats = true;
    for (let i = 0; i + period < bytes.length && repeats; i++) repeats = bytes[i] === bytes[i + period];
    if (repeats) return `it repeats a pattern of ${period} bytes`;
  }
  const step = ((bytes[1] ?? 0) - (bytes[0] ?? 0)) & 255;
  let counting = true;
  for (let i = 1; i < bytes.length && counting; i++)
    counting = (((bytes[i] ?? 0) - (bytes[i - 1] ?? 0)) & 255) === step;
  if (counting) return "it is a counting sequence";
  return undefined;
}

function refuseNotRandom(bytes: Uint8Array, source: string): void {
  const reason = notRandomReason(bytes);
  if (reason !== undefined) {
    throw new ConfigError(
      `${source} does not look like 32 random bytes (${reason}); a key must be random: create one with \`securelog keygen\`.`,
      "bad_key",
    );
  }
}

/**
 * Converts a key of the previous format (standard base64 of exactly 32 bytes, as `keygen` printed it, or as a KMS
 * generates it: `aws kms generate-random --number-of-bytes 32`) into the current text form. Bytes that are plainly
 * not random (text such as a passphrase, low entropy, a repeated pattern: notRandomReason) are refused.
 */
export function convertLegacyKey(text: string, source: string): string {
  const trimmed = text.trim();
  if (KEY_TEXT.test(trimmed)) return trimmed;
  if (!LEGACY_TEXT.test(trimmed)) {
    throw new ConfigError(
      `${source} is not base64 of 32 bytes (44 characters ending in =); only generated keys can be converted.`,
      "bad_key",
    );
  }
  const bytes = Buffer.from(trimmed, "base64");
  refuseNotRandom(bytes, source);
  return keyText(bytes);
}

/** The keys in a text: separated by commas, white space or new lines; `#` starts a comment (key files annotate). */
export function splitKeys(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.replace(/#.*$/, ""))
    .join(" ")
    .split(/[\s,]+/)
    .filter((part) => part !== "");
}

/** Every key of a list, in order: the first is the current key wherever a list names one. */
export function parseKeyList(text: string, source: string): MaskKey[] {
  const keys = splitKeys(text);
  return keys.map((key, index) => parseKey(key, keys.length === 1 ? source : `${source} (key ${index + 1})`));
}

export function keyRing(current: MaskKey, previous: readonly MaskKey[]): KeyRing {
  const all = [current, ...previous.filter((key) => key.id !== current.id)];
  return Object.freeze({ current, all: Object.freeze(all) });
}

/** "current a1b2c3d4, previous 5e6f7a8b": every key by id, never by content. */
export function describeKeys(keys: KeyRing): string {
  const previous = keys.all.slice(1).map((k) => k.id);
  return `current ${keys.current.id}${previous.length > 0 ? `, previous ${previous.join(", ")}` : ""}`;
}
