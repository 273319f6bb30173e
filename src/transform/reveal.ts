import { open } from "./deterministic-cipher.ts";
import { ENCRYPTED_PREFIX, type PiiDomain } from "./mask.ts";
import type { KeyRing } from "./mask-key.ts";

export type Revealed =
  | { readonly ok: true; readonly domain: PiiDomain; readonly value: string; readonly keyId: string }
  | {
      readonly ok: false;
      /** one_way: masked with hmac or sha256, which cannot be undone by design. */
      readonly reason: "one_way" | "unknown_key" | "tampered" | "not_masked";
      readonly keyId?: string;
    };

const ENCRYPTED = /^enc:([0-9a-f]{8}):([A-Za-z0-9_-]+)$/;
const ONE_WAY = /^(?:[0-9a-f]{8}:)?[0-9a-f]{64}$/;
/** Every reversible masked value in a stretch of text (a query's output, a CSV). */
export const ENCRYPTED_IN_TEXT = /enc:[0-9a-f]{8}:[A-Za-z0-9_-]{22,}/g;

/** Recovers the raw value of a reversible mask. Never throws: the caller decides what a failure means. */
export function reveal(masked: string, keys: KeyRing): Revealed {
  const match = ENCRYPTED.exec(masked.trim());
  if (match === null) return { ok: false, reason: ONE_WAY.test(masked.trim()) ? "one_way" : "not_masked" };
  const keyId = match[1] ?? "";
  const key = keys.all.find((k) => k.id === keyId);
  if (key === undefined) return { ok: false, reason: "unknown_key", keyId };
  const sealed = new Uint8Array(Buffer.from(match[2] ?? "", "base64url"));
  for (const domain of ["ip", "device_id"] as const) {
    const value = open(key.encKey, domain, sealed);
    if (value !== undefined) return { ok: true, domain, value, keyId };
  }
  return { ok: false, reason: "tampered", keyId };
}

export function explainRevealFailure(result: Extract<Revealed, { ok: false }>): string {
  switch (result.reason) {
    case "one_way":
      return "masked one-way (hmac or sha256): it cannot be revealed, by design";
    case "unknown_key":
      return `masked with key ${result.keyId}, which is not loaded (add it as a previous key)`;
    case "tampered":
      return `does not verify under key ${result.keyId}: the value was altered or the key is wrong`;
    case "not_masked":
      return `not a masked value (expected ${ENCRYPTED_PREFIX}<key id>:<data>)`;
  }
}
