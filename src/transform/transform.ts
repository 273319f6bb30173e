import type { RejectReason } from "../reject-reason.ts";
import type { AppVersionMode } from "./app-version.ts";
import { createDate } from "./create-date.ts";
import { erasureDigests } from "./erasure.ts";
import type { MaskConfig } from "./mask.ts";
import { createMasker, type Masker, type PiiDomain } from "./mask.ts";
import { maskBody, parseJsonOrUndefined } from "./masked-body.ts";
import type { ReceivedMessage } from "./received-message.ts";
import { canonicalDeviceId, ipForm } from "./recognisable.ts";
import { unwrapSns } from "./sns-envelope.ts";
import { createValidator } from "./validate.ts";

/** A row of user_logins, exactly its columns. Holds masked values only. */
export interface LoginRow {
  readonly user_id: string;
  readonly device_type: string;
  readonly masked_ip: string;
  readonly masked_device_id: string;
  readonly locale: string | null;
  readonly app_version: number;
  /** YYYY-MM-DD, UTC. */
  readonly create_date: string;
}

/** A row of user_logins_rejects. Holds masked values only: never the raw body. */
export interface RejectRecord {
  readonly reason: RejectReason;
  readonly receivedAt: Date;
  readonly sentAt: Date | null;
  readonly receiveCount: number;
  readonly maskedBody: Record<string, unknown> | null;
  /** Keyed digest of the whole raw body, so repeats of one bad message can be recognised. */
  readonly bodyDigest: string;
  readonly bodyBytes: number;
}

/**
 * The erasure-register digests of the values a message holds, under every loaded key: the sink checks them against
 * the register before committing. A function, so that they are computed only when the register holds anything
 * (four HMACs a message otherwise spent for nothing); it keeps the raw values in memory only, for as long as the
 * outcome lives. Absent without keys (--mask sha256).
 */
export interface ErasureDigests {
  readonly ip: readonly string[];
  readonly device_id: readonly string[];
  /** The body held more text than is checked (MAX_CHECKED_STRINGS): its rejection keeps no body. */
  readonly unchecked?: boolean;
}

export type Outcome =
  | {
      readonly kind: "row";
      readonly message: ReceivedMessage;
      /**
       * The idempotency-ledger key: the SQS MessageId (or the original one replay signed), or for an SNS envelope
       * `sns:<MessageId>:<keyed digest of the event>` (sns-envelope.ts).
       */
      readonly ledgerId: string;
      readonly row: LoginRow;
      readonly digests?: () => ErasureDigests;
    }
  | {
      readonly kind: "reject";
      readonly message: ReceivedMessage;
      readonly ledgerId: string;
      readonly reject: RejectRecord;
      readonly digests?: () => ErasureDigests;
    };

/** The register digests of a canonical value, under every loaded key (erasure.ts). */
export type Eraser = (domain: PiiDomain, canonicalValue: string) => string[];

/**
 * Strings of a rejected body checked against the register, at most: a body that holds more (thousands of nested
 * strings) keeps no body once anything is erased, rather than costing thousands of HMACs.
 */
const MAX_CHECKED_STRINGS = 512;

/**
 * Every string a body holds, keys and values at any depth, as long as there are at most `max`; else undefined.
 * Values are visited one at a time and the walk stops at the bound: a body is up to 1 MiB of producer JSON, and
 * spreading a 200,000-item array into push() overflows the call stack.
 */
function stringsOf(parsed: unknown, max: number): Set<string> | undefined {
  const found = new Set<string>();
  const stack: unknown[] = [parsed];
  let visited = 0;
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    if (++visited > max * 4) return undefined;
    if (typeof next === "string") found.add(next);
    else if (next !== null && typeof next === "object") {
      for (const [key, value] of Object.entries(next)) {
        if (!Array.isArray(next)) found.add(key);
        if (stack.push(value) > max * 4) return undefined;
      }
    }
    if (found.size > max) return undefined;
  }
  return found;
}

/**
 * Digests of every value a rejected body holds, in every place `forget` looks (the ip and device_id fields, other
 * fields, key names) and deeper: an erased value sent again as `"note": "1.2.3.4"` or as a key name must be kept out
 * as surely as in the ip field. Each string is checked as an ip and as a device id, in the forms they are erased in.
 */
function bodyDigests(parsed: unknown, eraser: Eraser | undefined): (() => ErasureDigests) | undefined {
  if (eraser === undefined || parsed === null || typeof parsed !== "object") return undefined;
  return () => {
    const strings = stringsOf(parsed, MAX_CHECKED_STRINGS);
    if (strings === undefined) return { ip: [], device_id: [], unchecked: true };
    const ip: string[] = [];
    const deviceId: string[] = [];
    for (const text of strings) {
      if (!text.isWellFormed()) continue;
      ip.push(...eraser("ip", ipForm(text)));
      deviceId.push(...eraser("device_id", canonicalDeviceId(text)));
    }
    return { ip, device_id: deviceId };
  };
}

export type Transformer = (message: ReceivedMessage) => Outcome;

/**
 * How much of a rejected body to keep. `minimal` keeps no body at all, only the reason, the digest and the
 * sizes: the fallback when PostgreSQL refused the full record, so that a rejection always commits.
 */
export type RejectDetail = "full" | "minimal";

function rejection(
  message: ReceivedMessage,
  reason: RejectReason,
  masker: Masker,
  detail: RejectDetail,
  eraser: Eraser | undefined,
): Outcome {
  // Unwrapped whatever the detail: the ledger key must be the same however the message ends.
  const { body, snsMessageId } = unwrapSns(message.body);
  const parsed = detail === "minimal" && eraser === undefined ? undefined : parseJsonOrUndefined(body);
  const digests = bodyDigests(parsed, eraser);
  // Of the event, so that one bad event arriving directly and through SNS is recognised as the same.
  const bodyDigest = masker.mask("body", body);
  return {
    kind: "reject",
    message,
    ledgerId: snsMessageId === undefined ? message.id : snsLedgerId(snsMessageId, bodyDigest),
    reject: {
      reason,
      receivedAt: message.receivedAt,
      sentAt: message.sentTimestampMs === undefined ? null : new Date(message.sentTimestampMs),
      receiveCount: message.receiveCount,
      maskedBody: detail === "minimal" ? null : maskBody(parsed, masker),
      bodyDigest,
      bodyBytes: Buffer.byteLength(body),
    },
    ...(digests === undefined ? {} : { digests }),
  };
}

/**
 * An SNS notification's ledger key binds its MessageId (which any producer can write) to the event it carries: a
 * redelivery has both the same, a forged envelope reusing the id over another event does not (sns-envelope.ts).
 */
function snsLedgerId(snsMessageId: string, eventDigest: string): string {
  return `sns:${snsMessageId}:${eventDigest}`;
}

/** Builds the rejection that replaces a message whose row (or full rejection) the sink refused. */
export type Rejecter = (message: ReceivedMessage, reason: RejectReason, detail?: RejectDetail) => Outcome;

export function createRejecter(masker: Masker, eraser?: Eraser): Rejecter {
  return (message, reason, detail = "full") => rejection(message, reason, masker, detail, eraser);
}

/** Validate, mask and convert one message: pure apart from hashing, no I/O. */
export function createTransformer(
  masker: Masker,
  appVersionMode: AppVersionMode,
  eraser?: Eraser,
): Transformer {
  const validate = createValidator(appVersionMode);
  return (message) => {
    const { body, snsMessageId } = unwrapSns(message.body);
    const result = validate(body);
    if (!result.ok) return rejection(message, result.reason, masker, "full", eraser);
    const { event } = result;
    return {
      kind: "row",
      message,
      ledgerId:
        snsMessageId === undefined ? message.id : snsLedgerId(snsMessageId, masker.mask("body", body)),
      ...(eraser === undefined
        ? {}
        : {
            digests: () => ({ ip: eraser("ip", event.ip), device_id: eraser("device_id", event.deviceId) }),
          }),
      row: {
        user_id: event.userId,
        device_type: event.deviceType,
        masked_ip: masker.mask("ip", event.ip),
        masked_device_id: masker.mask("device_id", event.deviceId),
        locale: event.locale,
        app_version: event.appVersion,
        create_date: createDate(message.sentTimestampMs, message.receivedAt),
      },
    };
  };
}

/**
 * The transform and rejecter for a masking configuration, with the erasure digests (under every loaded key) that
 * let the sink keep erased values out. Without keys (sha256) there is no register to check.
 */
export function transformsFor(
  mask: MaskConfig,
  appVersion: AppVersionMode,
): { readonly transform: Transformer; readonly reject: Rejecter } {
  const masker = createMasker(mask);
  const keys = mask.mode === "sha256" ? undefined : mask.keys;
  const eraser: Eraser | undefined =
    keys === undefined ? undefined : (domain, value) => erasureDigests(keys, domain, value);
  return { transform: createTransformer(masker, appVersion, eraser), reject: createRejecter(masker, eraser) };
}
