import type { Outcome } from "../transform/transform.ts";
import type { RejectReason } from "../transform/validate.ts";

export interface WriteResult {
  readonly loaded: number;
  readonly rejected: ReadonlyMap<RejectReason, number>;
  /** Messages the ledger had already seen (redeliveries): committed earlier, skipped now, safe to delete. */
  readonly duplicates: number;
}

/** Where outcomes go. `write` is all-or-nothing: when it resolves, every outcome is committed. */
export interface RowSink {
  /** Creates the tables if absent. Throws a SecureLogError when the database cannot be reached. */
  ensureSchema(): Promise<void>;
  write(outcomes: readonly Outcome[]): Promise<WriteResult>;
  close(): Promise<void>;
}

/** A failed write, classified where it happened (see classifySinkError). */
export class SinkError extends Error {
  readonly failure: "retry" | "data" | "fatal";
  /** SQLSTATE or errno, when the driver gave one. */
  readonly code: string | undefined;

  constructor(
    failure: "retry" | "data" | "fatal",
    code: string | undefined,
    message: string,
    cause: unknown,
  ) {
    super(message, { cause });
    this.name = "SinkError";
    this.failure = failure;
    this.code = code;
  }
}
