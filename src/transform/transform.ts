import type { AppVersionMode } from "../config.ts";
import type { SourceMessage } from "../source/message.ts";
import { createDate } from "./create-date.ts";
import type { Masker } from "./mask.ts";
import { maskBody, parseJsonOrUndefined } from "./masked-body.ts";
import { createValidator, type RejectReason } from "./validate.ts";

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

export type Outcome =
  | { readonly kind: "row"; readonly message: SourceMessage; readonly row: LoginRow }
  | { readonly kind: "reject"; readonly message: SourceMessage; readonly reject: RejectRecord };

export type Transformer = (message: SourceMessage) => Outcome;

/**
 * How much of a rejected body to keep. `minimal` keeps no body at all, only the reason, the digest and the
 * sizes: the fallback when PostgreSQL refused the full record, so that a rejection always commits.
 */
export type RejectDetail = "full" | "minimal";

export function rejectRecord(
  message: SourceMessage,
  reason: RejectReason,
  masker: Masker,
  detail: RejectDetail = "full",
): RejectRecord {
  return {
    reason,
    receivedAt: message.receivedAt,
    sentAt: message.sentTimestampMs === undefined ? null : new Date(message.sentTimestampMs),
    receiveCount: message.receiveCount,
    maskedBody: detail === "minimal" ? null : maskBody(parseJsonOrUndefined(message.body), masker),
    bodyDigest: masker.mask("body", message.body),
    bodyBytes: Buffer.byteLength(message.body),
  };
}

/** Builds the rejection that replaces a message whose row (or full rejection) the sink refused. */
export type Rejecter = (message: SourceMessage, reason: RejectReason, detail?: RejectDetail) => Outcome;

export function createRejecter(masker: Masker): Rejecter {
  return (message, reason, detail) => ({
    kind: "reject",
    message,
    reject: rejectRecord(message, reason, masker, detail),
  });
}

/** Validate, mask and convert one message: pure apart from hashing, no I/O. */
export function createTransformer(masker: Masker, appVersionMode: AppVersionMode): Transformer {
  const validate = createValidator(appVersionMode);
  return (message) => {
    const result = validate(message.body);
    if (!result.ok) return { kind: "reject", message, reject: rejectRecord(message, result.reason, masker) };
    const { event } = result;
    return {
      kind: "row",
      message,
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
