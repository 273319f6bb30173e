import type { Tables } from "./tables.ts";

/**
 * The report's rollups. Every load writes its rows twice in one statement: into user_logins and into the feed
 * (insert-outcomes.ts). A fold takes the feed's rows out and adds them to the rollups in one transaction, so each
 * row is counted once however folds, loads and crashes interleave; the load itself pays only for a second append
 * (docs/benchmarks.md), and the distinct counting happens in the fold. Masked values only, as in user_logins.
 *
 * Distinct users (devices, addresses) are exact: a pair (device, user) is recorded once, and a device's count of
 * users grows only when the insert of its pair was new (RETURNING gives exactly those). What is per day (days,
 * versions, busy addresses) is recomputed for the days a fold touches, from user_logins by its date index, in
 * the fold's snapshot. forget and rekey change rows in place of adding them: they clear the rollups (`invalidate`)
 * and the report reads user_logins until `securelog report --rebuild`.
 */

/** Folds, rebuilds and clearings of one schema run one at a time (a session lock: held across a transaction). */
export const lockRollups = (t: Tables) => `SELECT pg_advisory_lock(7262847, hashtext('${t.schema}'))`;
/** The same lock, only if free: a replica's periodic fold skips a turn rather than wait behind a report. */
export const tryLockRollups = (t: Tables) =>
  `SELECT pg_try_advisory_lock(7262847, hashtext('${t.schema}')) AS got`;
export const unlockRollups = (t: Tables) => `SELECT pg_advisory_unlock(7262847, hashtext('${t.schema}'))`;
const lockRollupsInTransaction = (t: Tables) =>
  `SELECT pg_advisory_xact_lock(7262847, hashtext('${t.schema}'))`;

export const rollupState = (t: Tables) => `SELECT valid, cause, changed_at FROM ${t.rollupState}`;

/** The feed's rows visible to the fold's snapshot, moved into a table of the transaction (the rest wait). */
export const FOLDED = "pg_temp.securelog_folding";
export const takeFeed = (t: Tables) => [
  `CREATE TEMP TABLE securelog_folding (LIKE ${t.feed}) ON COMMIT DROP`,
  `WITH taken AS (DELETE FROM ${t.feed} RETURNING *) INSERT INTO ${FOLDED} SELECT * FROM taken`,
];

/** A new pair of `kind` from `source`; RETURNING only those not seen before. */
const newPairs = (t: Tables, source: string, kind: string, a: string, b: string) =>
  `INSERT INTO ${t.pairs} (kind, a, b) SELECT DISTINCT '${kind}', ${a}, ${b} FROM ${source}
    ON CONFLICT DO NOTHING RETURNING a, b`;

/** Adds `source`'s rows to a kind of totals: logins, and each count grown by the new pairs it is given. */
function addTotals(
  t: Tables,
  source: string,
  kind: string,
  key: string,
  counts: Record<"users" | "devices" | "ips", { pairs: string; side: "a" | "b" } | undefined>,
  seen: boolean,
): string {
  const joins = Object.entries(counts).flatMap(([column, c]) =>
    c === undefined
      ? []
      : [
          // Two equalities rather than IS NOT DISTINCT FROM (a NULL locale is a key too), so that PostgreSQL
          // can hash the join: IS NOT DISTINCT FROM made a rebuild a nested loop over every pair.
          `LEFT JOIN (SELECT ${c.side} AS k, count(*) AS n FROM ${c.pairs} GROUP BY 1) ${column}_new
            ON coalesce(${column}_new.k, '') = coalesce(s.k, '') AND (${column}_new.k IS NULL) = (s.k IS NULL)`,
        ],
  );
  const value = (column: keyof typeof counts) =>
    counts[column] === undefined ? "0" : `coalesce(${column}_new.n, 0)`;
  return `INSERT INTO ${t.totals} AS o (kind, key, logins, users, devices, ips, first_seen, last_seen)
    SELECT '${kind}', s.k, s.logins, ${value("users")}, ${value("devices")}, ${value("ips")}, s.first_seen, s.last_seen
    FROM (SELECT ${key} AS k, count(*) AS logins, ${seen ? "min(create_date)" : "NULL::date"} AS first_seen,
            ${seen ? "max(create_date)" : "NULL::date"} AS last_seen FROM ${source} GROUP BY 1) s
    ${joins.join("\n    ")}
    ON CONFLICT (kind, key) DO UPDATE SET logins = o.logins + excluded.logins, users = o.users + excluded.users,
      devices = o.devices + excluded.devices, ips = o.ips + excluded.ips,
      first_seen = least(o.first_seen, excluded.first_seen), last_seen = greatest(o.last_seen, excluded.last_seen)`;
}

/**
 * Adds the rows of `source` (the folded feed, or user_logins itself for a rebuild) to the totals over every day:
 * one statement, so the new pairs it records are the ones it counts.
 */
export const foldTotals = (t: Tables, source: string) => `WITH
  device_users AS (${newPairs(t, source, "d", "masked_device_id", "user_id")}),
  user_ips AS (${newPairs(t, source, "i", "user_id", "masked_ip")}),
  type_users AS (${newPairs(t, source, "t", "device_type", "user_id")}),
  locale_users AS (${newPairs(t, source, "l", "locale", "user_id")}),
  devices AS (${addTotals(t, source, "d", "masked_device_id", { users: { pairs: "device_users", side: "a" }, devices: undefined, ips: undefined }, true)}),
  users AS (${addTotals(t, source, "u", "user_id", { users: undefined, devices: { pairs: "device_users", side: "b" }, ips: { pairs: "user_ips", side: "a" } }, false)}),
  types AS (${addTotals(t, source, "t", "device_type", { users: { pairs: "type_users", side: "a" }, devices: undefined, ips: undefined }, false)}),
  locales AS (${addTotals(t, source, "l", "locale", { users: { pairs: "locale_users", side: "a" }, devices: undefined, ips: undefined }, false)})
SELECT 1`;

/** Roaming users kept per day: the most `report --top` lists, so a one-day report can list its top from them. */
const ROAMING_PER_DAY = 1000;

/**
 * The per-day rollups of the days `days` selects (a query of dates, or NULL for every day), recomputed from
 * user_logins in the fold's snapshot: days (D), versions (v), addresses (i) and devices (d) with two users or more,
 * device types (t), locales (l) and the day's first 1,000 roaming users (r); a report over one day reads them.
 */
export const foldDays = (t: Tables, days: string | null) => {
  const which = days === null ? "true" : `create_date IN (${days})`;
  return [
    `DELETE FROM ${t.daily} WHERE ${days === null ? "true" : `day IN (${days})`}`,
    `INSERT INTO ${t.daily} (kind, day, key, logins, users, devices, ips)
      SELECT 'D', create_date, NULL, count(*), count(DISTINCT user_id COLLATE "C"), 0, 0 FROM ${t.logins}
        WHERE ${which} GROUP BY create_date
      UNION ALL
      SELECT 'v', create_date, app_version::text, count(*), count(DISTINCT user_id COLLATE "C"), 0, 0
        FROM ${t.logins} WHERE ${which} GROUP BY create_date, app_version
      UNION ALL
      SELECT 'i', create_date, masked_ip COLLATE "C", count(*), count(DISTINCT user_id COLLATE "C"), 0, 0
        FROM ${t.logins} WHERE ${which}
        GROUP BY create_date, masked_ip COLLATE "C" HAVING count(DISTINCT user_id COLLATE "C") >= 2
      UNION ALL
      SELECT 'd', create_date, masked_device_id COLLATE "C", count(*), count(DISTINCT user_id COLLATE "C"), 0, 0
        FROM ${t.logins} WHERE ${which}
        GROUP BY create_date, masked_device_id COLLATE "C" HAVING count(DISTINCT user_id COLLATE "C") >= 2
      UNION ALL
      SELECT 't', create_date, device_type COLLATE "C", count(*), count(DISTINCT user_id COLLATE "C"), 0, 0
        FROM ${t.logins} WHERE ${which} GROUP BY create_date, device_type COLLATE "C"
      UNION ALL
      SELECT 'l', create_date, locale COLLATE "C", count(*), count(DISTINCT user_id COLLATE "C"), 0, 0
        FROM ${t.logins} WHERE ${which} GROUP BY create_date, locale COLLATE "C"
      UNION ALL
      SELECT 'r', day, u, logins, 1, devices, ips FROM (
        SELECT create_date AS day, user_id COLLATE "C" AS u, count(*) AS logins,
          count(DISTINCT masked_device_id COLLATE "C") AS devices, count(DISTINCT masked_ip COLLATE "C") AS ips,
          row_number() OVER (PARTITION BY create_date ORDER BY count(DISTINCT masked_device_id COLLATE "C") DESC,
            count(DISTINCT masked_ip COLLATE "C") DESC, count(*) DESC, (user_id COLLATE "C") COLLATE "default") AS n
        FROM ${t.logins} WHERE ${which} GROUP BY create_date, user_id COLLATE "C") r
      WHERE n <= ${ROAMING_PER_DAY}`,
  ];
};

export const FOLDED_DAYS = `SELECT DISTINCT create_date FROM ${FOLDED}`;

/** Empties the rollups and the feed (a rebuild starts here; so do forget and rekey, which then mark them stale). */
export const clearRollups = (t: Tables) => `TRUNCATE ${t.pairs}, ${t.totals}, ${t.daily}`;

export const markRollups = (t: Tables) =>
  `UPDATE ${t.rollupState} SET valid = $1, cause = $2, changed_at = now()`;

/**
 * What forget, forget --reapply and rekey run in their own transaction, before changing a row: every rollup and
 * the feed emptied (nothing of an erased value stays in a side table) and the rollups marked stale, so that the
 * report reads user_logins until a rebuild. Waits for a fold in progress.
 */
export const invalidateRollups = (t: Tables) => [
  lockRollupsInTransaction(t),
  `TRUNCATE ${t.pairs}, ${t.totals}, ${t.daily}, ${t.feed}`,
];
