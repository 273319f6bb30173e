import { createHmac } from "node:crypto";
import { createMasker, type PiiDomain } from "./mask.ts";
import type { KeyRing, MaskKey } from "./mask-key.ts";
import { canonicalDeviceId, recognisableIp } from "./recognisable.ts";

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

/** Everything `forget` looks for: the value's stored forms, and what the register keeps of it. */
export interface ErasureTarget {
  readonly field: PiiDomain;
  /** The value as a column or a masked body's ip/device_id holds it, under every scheme and loaded key. */
  readonly forms: readonly StoredForm[];
  /** The value as an unknown field's value or a key name of a rejected body. */
  readonly bodyForms: readonly string[];
  /** Present when keys are loaded: digests and hmac masks, in the same order (one per value form and key). */
  readonly register?: { readonly digests: readonly string[]; readonly masks: readonly string[] };
}

/**
 * What erasing a raw value means: its canonical form (the address a recognisable spelling such as `1.2.3.04` or
 * `[::1]:443` stands for; a device id without invisible characters), which is how rows and today's rejections
 * store it, and the value exactly as given (trimmed), which is how rejections stored spellings the validator
 * refused before they were recognised. Any value is accepted: one that is no address is looked for as written.
 * The raw value goes no further than this function.
 */
export function erasureTarget(keys: KeyRing | undefined, field: PiiDomain, raw: string): ErasureTarget {
  const verbatim = raw.trim();
  const canonical = field === "ip" ? recognisableIp(raw) : canonicalDeviceId(raw);
  const values = [...new Set([canonical, verbatim])].filter((v): v is string => v !== undefined && v !== "");
  const register =
    keys === undefined
      ? undefined
      : {
          digests: values.flatMap((value) => erasureDigests(keys, field, value)),
          masks: values.flatMap((value) =>
            keys.all.map((key) =>
              createMasker({ mode: "hmac", keys: { current: key, all: [key] } }).mask(field, value),
            ),
          ),
        };
  return {
    field,
    forms: values.flatMap((value) => storedForms(keys, field, value)),
    bodyForms: [...new Set([raw, ...values].flatMap((value) => bodyForms(keys, value)))],
    ...(register === undefined ? {} : { register }),
  };
}
