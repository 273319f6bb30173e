import { canonicalIp } from "./canonical-ip.ts";
import type { Masker } from "./mask.ts";

/** Fields that are not personal data in this schema and help an operator see why a message was rejected. */
const KEPT_FIELDS = new Set(["user_id", "device_type", "locale", "app_version"]);
const MAX_KEPT_LENGTH = 256;
const MAX_KEYS = 64;
const MAX_KEY_LENGTH = 64;

function tidy(value: string, max: number): string {
  // jsonb refuses U+0000 just as text does.
  const clean = value.replaceAll("\u0000", "\uFFFD");
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

function maskPii(masker: Masker, domain: "ip" | "device_id", value: unknown): string {
  if (typeof value !== "string") return masker.mask(domain, JSON.stringify(value) ?? "undefined");
  return masker.mask(domain, domain === "ip" ? (canonicalIp(value) ?? value.trim()) : value.trim());
}

function keep(value: unknown): unknown {
  if (typeof value === "string") return tidy(value, MAX_KEPT_LENGTH);
  if (value === null || typeof value === "number" || typeof value === "boolean") return value;
  return `<${Array.isArray(value) ? "array" : typeof value}>`;
}

/**
 * The body of a rejected message as it may be stored: known PII fields masked exactly as in user_logins (so a
 * rejection can be matched to rows), unknown fields masked too (they may hold anything), and only the known
 * non-PII fields kept in clear. Returns null when the body is not a JSON object: then nothing of it is kept.
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
    const name = tidy(key, MAX_KEY_LENGTH);
    if (key === "ip" || key === "device_id") out[name] = maskPii(masker, key, value);
    else if (KEPT_FIELDS.has(key)) out[name] = keep(value);
    else out[name] = masker.mask("other", JSON.stringify(value) ?? "undefined");
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
