import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { MaskConfig } from "../transform/mask.ts";
import type { MaskKey } from "../transform/mask-key.ts";

/**
 * The message attribute carrying the MessageId a message had before `securelog replay` moved it back from a
 * dead-letter queue. The pipeline keys the ledger on it, so a message that was committed but then dead-lettered
 * (its deletes kept failing) is recognised and skipped instead of loaded twice.
 *
 * Keying the ledger on a value from the message is only safe if no producer can choose it: three valid messages
 * carrying one forged id would otherwise load as one row and all three be deleted. So the value is signed,
 * `<original MessageId>:<key id>:<HMAC-SHA-256 under the key's replay sub-key, base64url>`, and an attribute that
 * does not verify under a loaded key is ignored: that message is an ordinary message under its own MessageId.
 * The signature covers the body's SHA-256 as well as the id: a valid attribute copied onto another body does not
 * verify there, so it can never make a different event a "duplicate" of the one it was signed for.
 */
export const ORIGINAL_ID_ATTRIBUTE = "SecureLogOriginalId";

/** SQS MessageIds are 36-character UUIDs; anything much longer is not one. */
const MAX_ORIGINAL_ID = 128;
const MAX_ATTRIBUTE = MAX_ORIGINAL_ID + 64;
const TAG_BYTES = 16;

function tag(key: MaskKey, messageId: string, body: string): Buffer {
  return createHmac("sha256", key.replayKey)
    .update(messageId)
    .update("\u001f")
    .update(createHash("sha256").update(body).digest())
    .digest()
    .subarray(0, TAG_BYTES);
}

export function signOriginalId(key: MaskKey, messageId: string, body: string): string {
  return `${messageId}:${key.id}:${tag(key, messageId, body).toString("base64url")}`;
}

/**
 * The original MessageId a signed attribute carries, or undefined when it is not signed by a loaded key for this
 * very body.
 */
export function verifyOriginalId(keys: readonly MaskKey[], value: string, body: string): string | undefined {
  if (value.length > MAX_ATTRIBUTE) return undefined;
  const tagAt = value.lastIndexOf(":");
  const keyAt = value.lastIndexOf(":", tagAt - 1);
  if (keyAt <= 0) return undefined;
  const messageId = value.slice(0, keyAt);
  const keyId = value.slice(keyAt + 1, tagAt);
  const key = keys.find((k) => k.id === keyId);
  if (key === undefined || messageId.length > MAX_ORIGINAL_ID) return undefined;
  const given = Buffer.from(value.slice(tagAt + 1), "base64url");
  const expected = tag(key, messageId, body);
  return given.length === expected.length && timingSafeEqual(given, expected) ? messageId : undefined;
}

/**
 * SqsSource's originalId option for a masking configuration: only an attribute `securelog replay` signed with
 * a loaded key may choose the ledger id. An unkeyed (sha256) run has no key, so no attribute does.
 */
export function originalIdOption(mask: MaskConfig): {
  readonly originalId?: (attribute: string, body: string) => string | undefined;
} {
  if (mask.mode === "sha256") return {};
  const keys = mask.keys.all;
  return { originalId: (attribute, body) => verifyOriginalId(keys, attribute, body) };
}
