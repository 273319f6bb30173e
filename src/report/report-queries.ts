import type { Tables } from "../sink/sql/tables.ts";

/**
 * The report's questions as SQL over user_logins and user_logins_rejects, never built from message data. A
 * section is a grouping (each group with its distinct `users` and its `logins`); the report lists the groups with
 * at least K distinct users and counts the rest, and the SQL views (report-views.ts) expose the same groupings
 * whole, so that BI tools give the same answers.
 */
export interface Grouping {
  /** One row per group, with `users` and `logins` among its columns; `where` filters user_logins. */
  readonly grouped: (where: string) => string;
  /** The columns shown, in order. */
  readonly columns: string;
  readonly order: string;
  /** Groups with fewer users are not part of the question at all (a device is shared from two users on). */
  readonly floor: number;
  /** Whether the report lists only `top` of them (days and versions are listed whole). */
  readonly limited: boolean;
  /**
   * The same groups from the rollups (sql/rollups.ts): per day ones for any range (`where` filters `day`),
   * those over every day only for a report without --since and --until.
   */
  readonly rolled: { readonly grouped: (where: string) => string; readonly perDay: boolean };
}

export type GroupingName =
  | "days"
  | "shared_devices"
  | "busy_ips"
  | "roaming_users"
  | "app_versions"
  | "device_types"
  | "locales";

export function groupings(t: Tables): Record<GroupingName, Grouping> {
  return {
    days: {
      grouped: (
        where,
      ) => `SELECT create_date AS date, count(*)::int AS logins, count(DISTINCT user_id)::int AS users
        FROM ${t.logins} WHERE ${where} GROUP BY create_date`,
      columns: "date, logins, users",
      order: "date",
      floor: 1,
      limited: false,
      rolled: {
        grouped: (where) => `SELECT day AS date, logins, users FROM ${t.daily} WHERE kind = 'D' AND ${where}`,
        perDay: true,
      },
    },
    shared_devices: {
      grouped: (
        where,
      ) => `SELECT masked_device_id, count(DISTINCT user_id)::int AS users, count(*)::int AS logins,
          min(create_date) AS first_seen, max(create_date) AS last_seen
        FROM ${t.logins} WHERE ${where} GROUP BY masked_device_id`,
      columns: "masked_device_id, users, logins, first_seen, last_seen",
      order: "users DESC, logins DESC, masked_device_id",
      floor: 2,
      limited: true,
      rolled: {
        grouped: (where) => `SELECT key AS masked_device_id, users, logins, first_seen, last_seen
        FROM ${t.totals} WHERE kind = 'd' AND ${where}`,
        perDay: false,
      },
    },
    busy_ips: {
      grouped: (where) => `SELECT create_date AS date, masked_ip, count(DISTINCT user_id)::int AS users,
          count(*)::int AS logins
        FROM ${t.logins} WHERE ${where} GROUP BY create_date, masked_ip`,
      columns: "date, masked_ip, users, logins",
      order: "users DESC, logins DESC, date, masked_ip",
      floor: 2,
      limited: true,
      rolled: {
        grouped: (where) => `SELECT day AS date, key AS masked_ip, users, logins
        FROM ${t.daily} WHERE kind = 'i' AND ${where}`,
        perDay: true,
      },
    },
    // One user per group: with K above 1 every roaming user is hidden, as it must be.
    roaming_users: {
      grouped: (where) => `SELECT user_id, count(DISTINCT masked_device_id)::int AS devices,
          count(DISTINCT masked_ip)::int AS ips, count(*)::int AS logins, 1 AS users
        FROM ${t.logins} WHERE ${where} GROUP BY user_id`,
      columns: "user_id, devices, ips, logins",
      order: "devices DESC, ips DESC, logins DESC, user_id",
      floor: 1,
      limited: true,
      rolled: {
        grouped: (where) => `SELECT key AS user_id, devices, ips, logins, 1 AS users
        FROM ${t.totals} WHERE kind = 'u' AND ${where}`,
        perDay: false,
      },
    },
    app_versions: {
      grouped: (where) => `SELECT create_date AS date, app_version, count(*)::int AS logins,
          count(DISTINCT user_id)::int AS users
        FROM ${t.logins} WHERE ${where} GROUP BY create_date, app_version`,
      columns: "date, app_version, logins",
      order: "date, app_version",
      floor: 1,
      limited: false,
      rolled: {
        grouped: (where) => `SELECT day AS date, key::int AS app_version, logins, users
        FROM ${t.daily} WHERE kind = 'v' AND ${where}`,
        perDay: true,
      },
    },
    device_types: {
      grouped: (where) => `SELECT device_type, count(*)::int AS logins, count(DISTINCT user_id)::int AS users
        FROM ${t.logins} WHERE ${where} GROUP BY device_type`,
      columns: "device_type, logins, users",
      order: "logins DESC, device_type",
      floor: 1,
      limited: true,
      rolled: {
        grouped: (where) =>
          `SELECT key AS device_type, logins, users FROM ${t.totals} WHERE kind = 't' AND ${where}`,
        perDay: false,
      },
    },
    locales: {
      grouped: (where) => `SELECT locale, count(*)::int AS logins, count(DISTINCT user_id)::int AS users
        FROM ${t.logins} WHERE ${where} GROUP BY locale`,
      columns: "locale, logins, users",
      order: "logins DESC, locale NULLS LAST",
      floor: 1,
      limited: true,
      rolled: {
        grouped: (where) =>
          `SELECT key AS locale, logins, users FROM ${t.totals} WHERE kind = 'l' AND ${where}`,
        perDay: false,
      },
    },
  };
}

/** Dates as text in the document (YYYY-MM-DD), dates as dates in the views. */
const AS_TEXT = (columns: string) =>
  columns
    .split(", ")
    .map((c) => (["date", "first_seen", "last_seen"].includes(c) ? `${c}::text AS ${c}` : c))
    .join(", ");

/**
 * The report's statement for one grouping, $1 since, $2 until (NULL: open), $3 top, $4 K: one row, `list` (the
 * groups shown, as JSON) and `groups` and `logins` (those left out for K). One statement, so that a grouping of
 * rows is aggregated once for both (MATERIALIZED); a grouping of rollups is left to each use instead, where the
 * top N come from the front of an index.
 */
export interface Section {
  readonly statement: string;
}

const inRange = (column: string) =>
  `($1::date IS NULL OR ${column} >= $1::date) AND ($2::date IS NULL OR ${column} <= $2::date)`;

/**
 * Where a section is read from: the rollups when they are current and hold the answer for the range (per day
 * ones always, those over every day only for the whole table), user_logins otherwise.
 */
export function source(g: Grouping, rollups: boolean, whole: boolean): "rows" | "rollups" {
  return rollups && (g.rolled.perDay || whole) ? "rollups" : "rows";
}

export function section(g: Grouping, from: "rows" | "rollups" = "rows"): Section {
  // Totals are over every day: their condition only references the (NULL) range, as every parameter must be.
  const rolledWhere = g.rolled.perDay ? inRange("day") : "$1::date IS NULL AND $2::date IS NULL";
  const grouped = from === "rows" ? g.grouped(inRange("create_date")) : g.rolled.grouped(rolledWhere);
  const listed = `SELECT ${AS_TEXT(g.columns)} FROM g WHERE users >= greatest($4::int, ${g.floor})
    ORDER BY ${g.order}${g.limited ? " LIMIT $3::int" : ""}`;
  return {
    // Every parameter is referenced (PostgreSQL must know each one's type).
    statement: `WITH g AS ${from === "rows" ? "MATERIALIZED" : "NOT MATERIALIZED"} (${grouped}),
      hidden AS (SELECT count(*)::int AS groups, coalesce(sum(logins), 0)::int AS logins
        FROM g WHERE users >= ${g.floor} AND users < $4::int AND $3::int >= 0)
      SELECT (SELECT coalesce(json_agg(l ORDER BY ${g.order}), '[]') FROM (${listed}) l) AS list,
        hidden.groups, hidden.logins FROM hidden`,
  };
}

/** Rejections per day by reason: reason codes only, no user in them, so never hidden. */
export function rejectionsQuery(t: Tables): string {
  const day = "(coalesce(sent_at, received_at) AT TIME ZONE 'UTC')::date";
  return `SELECT ${day}::text AS date, reason, count(*)::int AS count FROM ${t.rejects}
    WHERE ($1::date IS NULL OR ${day} >= $1::date) AND ($2::date IS NULL OR ${day} <= $2::date)
      AND $3::int >= 0 AND $4::int >= 0
    GROUP BY 1, 2 ORDER BY 1, 2`;
}

/** The same, whole, for the view. */
export function rejectionsView(t: Tables): string {
  return `SELECT (coalesce(sent_at, received_at) AT TIME ZONE 'UTC')::date AS date, reason, count(*)::int AS count
    FROM ${t.rejects} GROUP BY 1, 2`;
}
