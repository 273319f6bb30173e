import type { Masker } from "./mask.ts";
import { canonicalDeviceId, ipForm } from "./recognisable.ts";

/** Fields that are not personal data in this schema and help an operator see why a message was rejected. */
const KEPT_FIELDS = new Set(["user_id", "device_type", "locale", "app_version"]);
const MAX_KEPT_LENGTH = 256;
const MAX_KEYS = 64;
/** Nesting deeper than this is not serialised (JSON.stringify recurses, and 20,000 levels fit in 40 KB). */
export const MAX_DEPTH = 32;

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * Text PostgreSQL's jsonb accepts, whatever came in: lone surrogates (from `\ud800` escapes) and U+0000 become
 * U+FFFD, and a long value is cut at a character boundary, never between the halves of a surrogate pair. Only
 * for the display copy in a rejection: values that load into user_logins are rejected instead of changed.
 */
export function jsonbSafeText(value: string, max: number): string {
  let clean = value.toWellFormed();
  if (clean.includes("\u0000")) clean = clean.replaceAll("\u0000", "\uFFFD");
  if (clean.length <= max) return clean;
  const cut = isHighSurrogate(clean.charCodeAt(max - 1)) ? max - 1 : max;
  return `${clean.slice(0, cut)}…`;
}

function withinDepth(root: unknown, limit: number): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value: root, depth: 0 }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { value, depth } = next;
    if (value === null || typeof value !== "object") continue;
    if (depth >= limit) return false;
    for (const child of Object.values(value)) stack.push({ value: child, depth: depth + 1 });
  }
  return true;
}

/**
 * JSON text of a parsed value, for hashing: JSON.stringify when the nesting is bounded (checked without
 * recursion), a fixed marker otherwise. JSON.stringify escapes lone surrogates, so distinct values stay distinct.
 */
export function boundedJson(value: unknown): string {
  if (!withinDepth(value, MAX_DEPTH)) return `<nested deeper than ${MAX_DEPTH} levels>`;
  return JSON.stringify(value) ?? "undefined";
}

/** Masked in the form an erasure of the value looks for (recognisable.ts), so `forget` reaches every rejection. */
function maskPii(masker: Masker, domain: "ip" | "device_id", value: unknown): string {
  if (typeof value !== "string") return masker.mask(domain, boundedJson(value));
  return masker.mask(domain, domain === "ip" ? ipForm(value) : canonicalDeviceId(value));
}

function keep(value: unknown): unknown {
  if (typeof value === "string") return jsonbSafeText(value, MAX_KEPT_LENGTH);
  if (value === null || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  return `<${Array.isArray(value) ? "array" : typeof value}>`;
}

/**
 * The body of a rejected message as it may be stored: known PII fields masked exactly as in user_logins (so a
 * rejection can be matched to rows), unknown fields masked too (they may hold anything), and only the known
 * non-PII fields kept in clear. Key names are data as well (`{"10.9.8.7": 1}`): only the six known field names
 * are kept, every other name is masked. Returns null when the body is not a JSON object: then nothing of it is
 * kept. Everything returned is text jsonb accepts, so a rejection can always be stored.
 */
export function maskBody(parsed: unknown, masker: Masker): Record<string, unknown> | null {
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return null;
  const out: Record<string, unknown> = {};
  let count = 0;
  for (const [key, value] of Object.entries(parsed)) {
    if (++count > MAX_KEYS) {
      out["…"] = `${Object.keys(parsed).length - MAX_KEYS} more keys`;
      break;
    }
    if (key === "ip" || key === "device_id") out[key] = maskPii(masker, key, value);
    else if (KEPT_FIELDS.has(key)) out[key] = keep(value);
    else out[masker.mask("key", JSON.stringify(key))] = masker.mask("other", boundedJson(value));
  }
  return out;
}

/** Parses a body for maskBody without throwing. */
export function parseJsonOrUndefined(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}
