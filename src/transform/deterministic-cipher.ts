import { createRequire } from "node:module";
import type { gcmsiv as GcmSiv } from "@noble/ciphers/aes.js";

// Loaded on first use: only --mask encrypt and `reveal` need the cipher, and importing it at every start was
// measurable (docs/benchmarks.md). Node 24 requires an ES module synchronously.
const load = createRequire(import.meta.url);
let cipher: typeof GcmSiv | undefined;
function gcmsiv(...args: Parameters<typeof GcmSiv>): ReturnType<typeof GcmSiv> {
  cipher ??= (load("@noble/ciphers/aes.js") as { gcmsiv: typeof GcmSiv }).gcmsiv;
  return cipher(...args);
}

/**
 * AES-256-GCM-SIV (RFC 8452) used deterministically: a fixed nonce, so equal values encrypt equally (analysts
 * can still count and join), and the field name as associated data, so a value sealed as an ip does not open
 * as a device id. GCM-SIV is built for nonce reuse: repeating the nonce reveals only whether two plaintexts
 * were equal, which is exactly the property masking wants; confidentiality and integrity otherwise hold.
 */
const NONCE = new Uint8Array(12);
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

function aad(domain: string): Uint8Array {
  return encoder.encode(`securelog/${domain}`);
}

export function seal(key: Uint8Array, domain: string, value: string): Uint8Array {
  return gcmsiv(key, NONCE, aad(domain)).encrypt(encoder.encode(value));
}

/** The plaintext, or undefined when the tag does not verify (wrong key, wrong field, or tampered). */
export function open(key: Uint8Array, domain: string, sealed: Uint8Array): string | undefined {
  try {
    return decoder.decode(gcmsiv(key, NONCE, aad(domain)).decrypt(sealed));
  } catch {
    return undefined;
  }
}
