/** Deletes up to $2 ledger entries older than $1 days; run until it deletes none. Small batches keep locks short. */
export const PRUNE_LEDGER = `DELETE FROM securelog_processed WHERE ctid IN (
  SELECT ctid FROM securelog_processed WHERE processed_at < now() - make_interval(days => $1) LIMIT $2)`;
