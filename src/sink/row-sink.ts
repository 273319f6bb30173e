import type { RejectReason } from "../reject-reason.ts";
import type { Outcome } from "../transform/transform.ts";

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
