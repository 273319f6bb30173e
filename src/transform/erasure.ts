import { createHmac } from "node:crypto";
import { createMasker, type PiiDomain } from "./mask.ts";
import type { KeyRing, MaskKey } from "./mask-key.ts";

/**
 * The erasure register's digest of a raw value: `<key id>:<hex HMAC-SHA-256>` under the key's erasure sub-key,
 * over the field and the canonical value. One-way and keyed like an hmac mask, but under a sub-key of its own: the
 * register keeps it after the rows are gone, so that the value can be erased again in a restored copy and kept
 * out when it arrives again, and it must not be a copy of anything that opens (an `enc:` value would).
 */
export function erasureDigest(key: MaskKey, domain: PiiDomain, canonicalValue: string): string {
  return `${key.id}:${createHmac("sha256", key.erasureKey)
    .update(`${domain}\u001f${canonicalValue}`)
    .digest("hex")}`;
}

/** The value's digest under every loaded key: what a register entry holds, and what a load is checked against. */
export function erasureDigests(keys: KeyRing, domain: PiiDomain, canonicalValue: string): string[] {
  return keys.all.map((key) => erasureDigest(key, domain, canonicalValue));
}

/** How a stored mask was made, read from its form. */
export type MaskScheme = "hmac" | "encrypt" | "sha256";

/** Every form a raw value can take in SecureLog's tables, with the scheme and key that make it. */
export interface StoredForm {
  readonly scheme: MaskScheme;
  /** undefined for sha256, which has no key. */
  readonly keyId: string | undefined;
  readonly value: string;
}

/**
 * The value as each scheme stores it in a column or a masked body's `ip`/`device_id`: hmac and encrypt under
 * every loaded key, and unkeyed sha256. Forget needs no mode flag: it looks for all of them.
 */
export function storedForms(
  keys: KeyRing | undefined,
  domain: PiiDomain,
  canonicalValue: string,
): StoredForm[] {
  // The run's own maskers make each form, so a form forget looks for is always the form a run stored.
  const forms: StoredForm[] = [
    {
      scheme: "sha256",
      keyId: undefined,
      value: createMasker({ mode: "sha256" }).mask(domain, canonicalValue),
    },
  ];
  for (const key of keys?.all ?? []) {
    const ring = { current: key, all: [key] };
    for (const scheme of ["hmac", "encrypt"] as const)
      forms.push({
        scheme,
        keyId: key.id,
        value: createMasker({ mode: scheme, keys: ring }).mask(domain, canonicalValue),
      });
  }
  return forms;
}

/**
 * The forms the raw value takes elsewhere in a rejected body: as the value of an unknown field (masked as its JSON
 * text under the "other" domain) and as a key name (the "key" domain). Matched by the exact spelling given.
 */
export function bodyForms(keys: KeyRing | undefined, rawValue: string): string[] {
  const json = JSON.stringify(rawValue);
  const forms = [createMasker({ mode: "sha256" }).mask("other", json)];
  for (const key of keys?.all ?? []) {
    const masker = createMasker({ mode: "hmac", keys: { current: key, all: [key] } });
    forms.push(masker.mask("other", json), masker.mask("key", json));
  }
  return forms;
}
