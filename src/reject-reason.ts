// The rejection reasons are the vocabulary shared by the transform (a message that cannot become a row), the
// sink (a row PostgreSQL refused) and the pipeline that stores either as a rejection: so they live below all three.

/** The columns a message's fields become; a reason names the field it is about. */
export type FieldName = "user_id" | "device_type" | "ip" | "device_id" | "locale" | "app_version";

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
  | `invalid_unicode:${FieldName}`
  | `duplicate_field:${FieldName}`
  | `erased_value:${"ip" | "device_id"}`
  | `sink_refused:${string}`;

/** The reason a message PostgreSQL refused is stored under: the refusal's SQLSTATE, when the driver gave one. */
export function sinkRefused(sqlstate: string | undefined): RejectReason {
  return `sink_refused:${sqlstate ?? "unknown"}`;
}

/** Whether an error code is such a reason (the code a refused write's error carries, see pg-errors.ts). */
export function isSinkRefusal(code: string): code is `sink_refused:${string}` {
  return code.startsWith("sink_refused:");
}
