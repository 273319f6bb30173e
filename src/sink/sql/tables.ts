/**
 * SecureLog's tables, qualified with their schema in every statement. Left unqualified, they would go wherever
 * the connection's search_path points first: with a schema named like the database user (`"$user"` leads the
 * default search_path), `run` created and filled a second user_logins there while the one in public sat
 * unused. The schema comes from configuration (--schema, checked against SCHEMA_NAME), never from message data.
 */
export interface Tables {
  /** The schema's name as configured, unquoted (for catalog lookups and messages). */
  readonly schema: string;
  readonly logins: string;
  readonly rejects: string;
  readonly ledger: string;
  readonly audit: string;
  readonly erasures: string;
  readonly config: string;
  /** The report's load journal and rollups (sql/rollups.ts). */
  readonly feed: string;
  readonly rollupState: string;
  readonly pairs: string;
  readonly totals: string;
  readonly daily: string;
}

/** The tables by their unqualified names, as the catalog knows them. */
export const TABLE_NAMES = {
  logins: "user_logins",
  rejects: "user_logins_rejects",
  ledger: "securelog_processed",
  audit: "securelog_audit",
  erasures: "securelog_erasures",
  config: "securelog_config",
  feed: "securelog_report_feed",
  rollupState: "securelog_report_state",
  pairs: "securelog_report_pairs",
  totals: "securelog_report_totals",
  daily: "securelog_report_daily",
} as const;

export type TableRole = keyof typeof TABLE_NAMES;

/** An ordinary lower-case PostgreSQL identifier: what `CREATE SCHEMA analytics` makes, with no quoting games. */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_$]{0,62}$/;

export function tablesIn(schema: string): Tables {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`not a schema name: ${schema}`);
  const q = (table: string) => `"${schema}".${table}`;
  return Object.freeze({
    schema,
    logins: q(TABLE_NAMES.logins),
    rejects: q(TABLE_NAMES.rejects),
    ledger: q(TABLE_NAMES.ledger),
    audit: q(TABLE_NAMES.audit),
    erasures: q(TABLE_NAMES.erasures),
    config: q(TABLE_NAMES.config),
    feed: q(TABLE_NAMES.feed),
    rollupState: q(TABLE_NAMES.rollupState),
    pairs: q(TABLE_NAMES.pairs),
    totals: q(TABLE_NAMES.totals),
    daily: q(TABLE_NAMES.daily),
  });
}
