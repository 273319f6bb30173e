import type { Tables } from "./tables.ts";

/** Deletes up to $2 ledger entries older than $1 days; run until it deletes none. Small batches keep locks short. */
export const pruneLedger = (t: Tables) => `DELETE FROM ${t.ledger} WHERE ctid IN (
  SELECT ctid FROM ${t.ledger} WHERE processed_at < now() - make_interval(days => $1) LIMIT $2)`;
