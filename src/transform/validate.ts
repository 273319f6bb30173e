import { z } from "zod";
import type { AppVersionMode } from "../config.ts";
import { convertAppVersion } from "./app-version.ts";
import { canonicalIp } from "./canonical-ip.ts";

/** A message that passed validation: typed, canonical, still holding raw PII (masking comes next). */
export interface LoginEvent {
  readonly userId: string;
  readonly deviceType: string;
  /** Canonical spelling, see canonicalIp. */
  readonly ip: string;
  readonly deviceId: string;
  readonly locale: string | null;
  readonly appVersion: number;
}

/**
 * Why a message cannot become a row. Stable strings: they are stored in user_logins_rejects.reason and used
 * as metric labels, so they never carry message content.
 */
export type RejectReason =
  | "malformed_json"
  | "not_an_object"
  | `missing_field:${FieldName}`
  | `invalid_field:${FieldName}`
  | `too_long:${FieldName}`
  | `nul_character:${FieldName}`
  | `sink_refused:${string}`;

export type Validation =
  | { readonly ok: true; readonly event: LoginEvent }
  | { readonly ok: false; readonly reason: RejectReason };

export type FieldName = "user_id" | "device_type" | "ip" | "device_id" | "locale" | "app_version";

/** Column widths of user_logins; a longer value is rejected, never truncated. Raw ip/device_id are bounded too. */
export const MAX_LENGTH = {
  user_id: 128,
  device_type: 32,
  locale: 32,
  ip: 64,
  device_id: 160,
} as const;

/**
 * device_id is limited in UTF-8 bytes, not characters: its reversible form (--mask encrypt) is base64 of the
 * bytes plus a 16-byte tag, and must fit masked_device_id varchar(256).
 */
const MAX_DEVICE_ID_BYTES = 160;

type Problem = "invalid_field" | "too_long" | "nul_character";

/** PostgreSQL counts varchar(n) in characters, JavaScript in UTF-16 units; count code points only when it matters. */
function characterCount(value: string, max: number): number {
  if (value.length <= max) return value.length;
  let count = 0;
  for (const _ of value) count++;
  return count;
}

function textProblem(value: string, max: number): Problem | undefined {
  // PostgreSQL refuses U+0000 in text; one such row would fail its whole batch.
  if (value.includes("\u0000")) return "nul_character";
  if (characterCount(value, max) > max) return "too_long";
  if (value.trim() === "") return "invalid_field";
  return undefined;
}

function issue(ctx: z.RefinementCtx, reason: Problem): typeof z.NEVER {
  ctx.addIssue({ code: "custom", message: reason, params: { reason } });
  return z.NEVER;
}

const text = (max: number) =>
  z.string().transform((value, ctx) => {
    const problem = textProblem(value, max);
    return problem === undefined ? value : issue(ctx, problem);
  });

function eventSchema(appVersionMode: AppVersionMode) {
  return z.looseObject({
    user_id: text(MAX_LENGTH.user_id),
    device_type: text(MAX_LENGTH.device_type),
    ip: text(MAX_LENGTH.ip).transform((value, ctx) => canonicalIp(value) ?? issue(ctx, "invalid_field")),
    device_id: text(MAX_LENGTH.device_id).transform((value, ctx) =>
      Buffer.byteLength(value) > MAX_DEVICE_ID_BYTES ? issue(ctx, "too_long") : value.trim(),
    ),
    // Real queues send versions as strings; a bare JSON number (2, 2.3) is read the same way.
    app_version: z.union([z.string(), z.number()]).transform((value, ctx) => {
      if (typeof value === "string" && value.includes("\u0000")) return issue(ctx, "nul_character");
      return convertAppVersion(String(value), appVersionMode) ?? issue(ctx, "invalid_field");
    }),
    // About a third of real messages carry "locale": null; an absent locale means the same.
    locale: text(MAX_LENGTH.locale).nullable().optional(),
  });
}

const FIELD_NAMES = new Set<string>(["user_id", "device_type", "ip", "device_id", "locale", "app_version"]);

function reasonFor(issue: z.core.$ZodIssue, input: Record<string, unknown>): RejectReason {
  const field = issue.path[0];
  if (typeof field !== "string" || !FIELD_NAMES.has(field)) return "not_an_object";
  const name = field as FieldName;
  if (input[name] === undefined) return `missing_field:${name}`;
  const reason =
    issue.code === "custom" ? (issue.params as { reason?: Problem } | undefined)?.reason : undefined;
  return `${reason ?? "invalid_field"}:${name}`;
}

export type Validator = (body: string) => Validation;

/** Parses and validates one message body. Never throws: a bad message is a value, not an exception. */
export function createValidator(appVersionMode: AppVersionMode): Validator {
  const schema = eventSchema(appVersionMode);
  return (body) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return { ok: false, reason: "malformed_json" };
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      return { ok: false, reason: "not_an_object" };
    }
    const result = schema.safeParse(parsed);
    if (!result.success) {
      const first = result.error.issues[0];
      return {
        ok: false,
        reason: first === undefined ? "not_an_object" : reasonFor(first, parsed as Record<string, unknown>),
      };
    }
    const data = result.data;
    return {
      ok: true,
      event: {
        userId: data.user_id,
        deviceType: data.device_type,
        ip: data.ip,
        deviceId: data.device_id,
        locale: data.locale ?? null,
        appVersion: data.app_version,
      },
    };
  };
}
