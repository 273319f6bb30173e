import type { Tables } from "../sink/sql/tables.ts";

/**
 * The report's questions as SQL over user_logins and user_logins_rejects, never built from message data. A
 * section is a grouping (each group with its distinct `users` and its `logins`); the report lists the groups with
 * at least K distinct users and counts the rest, and the SQL views (report-views.ts) expose the same groupings
 * whole, so that BI tools give the same answers.
 */
export interface Grouping {
  /** One row per group, with `users` and `logins` among its columns, over `rows` (user_logins or some of it). */
  readonly grouped: (rows: string) => string;
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
  readonly rolled: {
    readonly grouped: (where: string) => string;
    readonly perDay: boolean;
    /**
     * For a range with one day of rows, a grouping over every day taken from that day's rollups: `hidden` where
     * they do not hold every group (only a day's first 1,000 roaming users are kept).
     */
    readonly oneDay?: {
      readonly grouped: (where: string) => string;
      readonly hidden?: (where: string) => string;
    };
  };
}

export type GroupingName =
  | "days"
  | "shared_devices"
  | "busy_ips"
  | "roaming_users"
  | "app_versions"
  | "device_types"
  | "locales";

/**
 * Grouped and counted byte-wise: equal values are equal in any deterministic collation, and comparing bytes
 * instead of the locale's rules made a day's distinct counts several times faster (docs/benchmarks.md).
 * What is shown is put back in the database's collation, so that ties sort as before.
 */
const C = (column: string) => `${column} COLLATE "C"`;

export function groupings(t: Tables): Record<GroupingName, Grouping> {
  return {
    days: {
      grouped: (
        rows,
      ) => `SELECT create_date AS date, count(*)::int AS logins, count(DISTINCT ${C("user_id")})::int AS users
        FROM ${rows} GROUP BY create_date`,
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
        rows,
      ) => `SELECT k COLLATE "default" AS masked_device_id, users, logins, first_seen, last_seen FROM (
          SELECT ${C("masked_device_id")} AS k, count(DISTINCT ${C("user_id")})::int AS users,
            count(*)::int AS logins, min(create_date) AS first_seen, max(create_date) AS last_seen
          FROM ${rows} GROUP BY 1) s`,
      columns: "masked_device_id, users, logins, first_seen, last_seen",
      order: "users DESC, logins DESC, masked_device_id",
      floor: 2,
      limited: true,
      rolled: {
        grouped: (where) => `SELECT key AS masked_device_id, users, logins, first_seen, last_seen
        FROM ${t.totals} WHERE kind = 'd' AND ${where}`,
        perDay: false,
        oneDay: {
          grouped: (
            where,
          ) => `SELECT key AS masked_device_id, users, logins, day AS first_seen, day AS last_seen
            FROM ${t.daily} WHERE kind = 'd' AND ${where}`,
        },
      },
    },
    busy_ips: {
      grouped: (rows) => `SELECT date, k COLLATE "default" AS masked_ip, users, logins FROM (
          SELECT create_date AS date, ${C("masked_ip")} AS k, count(DISTINCT ${C("user_id")})::int AS users,
            count(*)::int AS logins
          FROM ${rows} GROUP BY 1, 2) s`,
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
      grouped: (rows) => `SELECT k COLLATE "default" AS user_id, devices, ips, logins, 1 AS users FROM (
          SELECT ${C("user_id")} AS k, count(DISTINCT ${C("masked_device_id")})::int AS devices,
            count(DISTINCT ${C("masked_ip")})::int AS ips, count(*)::int AS logins
          FROM ${rows} GROUP BY 1) s`,
      columns: "user_id, devices, ips, logins",
      order: "devices DESC, ips DESC, logins DESC, user_id",
      floor: 1,
      limited: true,
      rolled: {
        grouped: (where) => `SELECT key AS user_id, devices, ips, logins, 1 AS users
        FROM ${t.totals} WHERE kind = 'u' AND ${where}`,
        perDay: false,
        // A day keeps its first 1,000 (the most --top lists); with K above 1 every user of the day is left out.
        oneDay: {
          grouped: (where) => `SELECT key AS user_id, devices, ips, logins, 1 AS users
            FROM ${t.daily} WHERE kind = 'r' AND ${where}`,
          hidden: (
            where,
          ) => `SELECT coalesce(sum(users), 0)::int AS groups, coalesce(sum(logins), 0)::int AS logins
            FROM ${t.daily} WHERE kind = 'D' AND ${where} AND $4::int > 1`,
        },
      },
    },
    app_versions: {
      grouped: (rows) => `SELECT create_date AS date, app_version, count(*)::int AS logins,
          count(DISTINCT ${C("user_id")})::int AS users
        FROM ${rows} GROUP BY create_date, app_version`,
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
      grouped: (rows) => `SELECT k COLLATE "default" AS device_type, logins, users FROM (
          SELECT ${C("device_type")} AS k, count(*)::int AS logins, count(DISTINCT ${C("user_id")})::int AS users
          FROM ${rows} GROUP BY 1) s`,
      columns: "device_type, logins, users",
      order: "logins DESC, device_type",
      floor: 1,
      limited: true,
      rolled: {
        grouped: (where) =>
          `SELECT key AS device_type, logins, users FROM ${t.totals} WHERE kind = 't' AND ${where}`,
        perDay: false,
        oneDay: {
          grouped: (where) =>
            `SELECT key AS device_type, logins, users FROM ${t.daily} WHERE kind = 't' AND ${where}`,
        },
      },
    },
    locales: {
      grouped: (rows) => `SELECT k COLLATE "default" AS locale, logins, users FROM (
          SELECT ${C("locale")} AS k, count(*)::int AS logins, count(DISTINCT ${C("user_id")})::int AS users
          FROM ${rows} GROUP BY 1) s`,
      columns: "locale, logins, users",
      order: "logins DESC, locale NULLS LAST",
      floor: 1,
      limited: true,
      rolled: {
        grouped: (where) =>
          `SELECT key AS locale, logins, users FROM ${t.totals} WHERE kind = 'l' AND ${where}`,
        perDay: false,
        oneDay: {
          grouped: (where) =>
            `SELECT key AS locale, logins, users FROM ${t.daily} WHERE kind = 'l' AND ${where}`,
        },
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

const inRange = (column: string) =>
  `($1::date IS NULL OR ${column} >= $1::date) AND ($2::date IS NULL OR ${column} <= $2::date)`;

export type From = "rows" | "rollups" | "day";

/**
 * Where a section is read from: the rollups when they are current and hold the answer for the range (per day
 * ones always; those over every day for the whole table, or from the day's rollups when the range holds one day
 * of rows), user_logins otherwise.
 */
export function source(g: Grouping, rollups: boolean, whole: boolean, oneDay: boolean): From {
  if (!rollups) return "rows";
  if (g.rolled.perDay || whole) return "rollups";
  return oneDay && g.rolled.oneDay !== undefined ? "day" : "rows";
}

/**
 * One section as a JSON value: `list` (the groups shown) and `groups` and `logins` (those left out for K). $1
 * since, $2 until (NULL: open), $3 top, $4 K. A grouping of rows is aggregated once for both (MATERIALIZED); one of
 * rollups is left to each use, where the top N come from the front of an index.
 */
function sectionJson(g: Grouping, from: From, t: Tables): string {
  // Totals are over every day: their condition only references the (NULL) range, as every parameter must be.
  const rolledWhere = g.rolled.perDay ? inRange("day") : "$1::date IS NULL AND $2::date IS NULL";
  // Each section reads its rows itself, by the date index: reading them once into a CTE for all four was slower
  // (the sorts then carried every column and spilled to disk; measured on a day of 111,111 rows).
  const grouped =
    from === "rows"
      ? g.grouped(`${t.logins} WHERE ${inRange("create_date")}`)
      : from === "day"
        ? (g.rolled.oneDay?.grouped(inRange("day")) ?? "")
        : g.rolled.grouped(rolledWhere);
  const listed = `SELECT ${AS_TEXT(g.columns)} FROM g WHERE users >= greatest($4::int, ${g.floor})
    ORDER BY ${g.order}${g.limited ? " LIMIT $3::int" : ""}`;
  const dayHidden = from === "day" ? g.rolled.oneDay?.hidden?.(inRange("day")) : undefined;
  const hidden =
    dayHidden ??
    `SELECT count(*)::int AS groups, coalesce(sum(logins), 0)::int AS logins
        FROM g WHERE users >= ${g.floor} AND users < $4::int`;
  return `(WITH g AS ${from === "rows" ? "MATERIALIZED" : "NOT MATERIALIZED"} (${grouped}),
      hidden AS (${hidden})
      SELECT json_build_object('list', (SELECT coalesce(json_agg(l ORDER BY ${g.order}), '[]') FROM (${listed}) l),
        'groups', hidden.groups, 'logins', hidden.logins) FROM hidden)`;
}

/** How many days in range have rows, by the rollups (a range with one is read from that day's rollups). */
export const daysInRange = (t: Tables) =>
  `SELECT count(*)::int AS days FROM ${t.daily} WHERE kind = 'D' AND ${inRange("day")}`;

/**
 * One section's statement: one row, its JSON in `section`. A statement per section rather than one for the whole
 * report: PostgreSQL took longer to plan the combined statement than it saved (docs/benchmarks.md).
 */
export function sectionStatement(g: Grouping, from: From, t: Tables): string {
  // $3 is referenced here too: PostgreSQL must know every parameter's type, and a section may list nothing.
  return `SELECT ${sectionJson(g, from, t)} AS section, $3::int AS top`;
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
