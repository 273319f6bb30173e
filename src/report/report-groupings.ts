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

const days = (t: Tables): Grouping => ({
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
});

const sharedDevices = (t: Tables): Grouping => ({
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
      grouped: (where) => `SELECT key AS masked_device_id, users, logins, day AS first_seen, day AS last_seen
          FROM ${t.daily} WHERE kind = 'd' AND ${where}`,
    },
  },
});

const busyIps = (t: Tables): Grouping => ({
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
});

// One user per group: with K above 1 every roaming user is hidden, as it must be.
const roamingUsers = (t: Tables): Grouping => ({
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
});

const appVersions = (t: Tables): Grouping => ({
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
});

/** Logins and distinct users per value of one column, over every day (totals) or one day (its rollups). */
const perValue = (t: Tables, column: "device_type" | "locale", kind: "t" | "l", order: string): Grouping => ({
  grouped: (rows) => `SELECT k COLLATE "default" AS ${column}, logins, users FROM (
        SELECT ${C(column)} AS k, count(*)::int AS logins, count(DISTINCT ${C("user_id")})::int AS users
        FROM ${rows} GROUP BY 1) s`,
  columns: `${column}, logins, users`,
  order,
  floor: 1,
  limited: true,
  rolled: {
    grouped: (where) =>
      `SELECT key AS ${column}, logins, users FROM ${t.totals} WHERE kind = '${kind}' AND ${where}`,
    perDay: false,
    oneDay: {
      grouped: (where) =>
        `SELECT key AS ${column}, logins, users FROM ${t.daily} WHERE kind = '${kind}' AND ${where}`,
    },
  },
});

/** Every grouping, by the JSON key of its section. */
export function groupings(t: Tables): Record<GroupingName, Grouping> {
  return {
    days: days(t),
    shared_devices: sharedDevices(t),
    busy_ips: busyIps(t),
    roaming_users: roamingUsers(t),
    app_versions: appVersions(t),
    device_types: perValue(t, "device_type", "t", "logins DESC, device_type"),
    locales: perValue(t, "locale", "l", "logins DESC, locale NULLS LAST"),
  };
}
