import type { Tables } from "../sink/sql/tables.ts";

/**
 * The report's questions as SQL over user_logins and user_logins_rejects, never built from message data. Every
 * statement takes the same four parameters: $1 since and $2 until (dates; NULL leaves that end open), $3 top (rows
 * per list), $4 min_group (K). A section is a grouping; its `list` gives the groups with at least K distinct users
 * (and at least `floor`: a device is shared from two users on), its `hidden` how many groups K left out and their
 * logins, so that a report shared beyond the security team singles no one out and still adds up.
 */
export interface Section {
  readonly list: string;
  readonly hidden: string;
}

const IN_RANGE =
  "($1::date IS NULL OR create_date >= $1::date) AND ($2::date IS NULL OR create_date <= $2::date)";

/** A section over a grouping that yields `users` and `logins` per group. */
function section(grouped: string, columns: string, order: string, limited: boolean, floor = 1): Section {
  return {
    // Every parameter is referenced in every statement (PostgreSQL must know each one's type).
    list: `WITH g AS (${grouped}) SELECT ${columns} FROM g
      WHERE users >= greatest($4::int, ${floor}) AND $3::int >= 0
      ORDER BY ${order}${limited ? " LIMIT $3::int" : ""}`,
    hidden: `WITH g AS (${grouped}) SELECT count(*)::int AS groups, coalesce(sum(logins), 0)::int AS logins
      FROM g WHERE users >= ${floor} AND users < $4::int AND $3::int >= 0`,
  };
}

export interface ReportQueries {
  readonly days: Section;
  readonly rejections: string;
  readonly sharedDevices: Section;
  readonly busyIps: Section;
  readonly roamingUsers: Section;
  readonly appVersions: Section;
  readonly deviceTypes: Section;
  readonly locales: Section;
}

export function reportQueries(t: Tables): ReportQueries {
  return {
    // Every day in range, not `top` of them: volume over time.
    days: section(
      `SELECT create_date::text AS date, count(*)::int AS logins, count(DISTINCT user_id)::int AS users
       FROM ${t.logins} WHERE ${IN_RANGE} GROUP BY create_date`,
      "date, logins, users",
      "date",
      false,
    ),
    // Reason codes only, no user in them: never hidden. By the day the message was sent (else received).
    rejections: `SELECT ((coalesce(sent_at, received_at) AT TIME ZONE 'UTC')::date)::text AS date, reason,
        count(*)::int AS count
      FROM ${t.rejects}
      WHERE ($1::date IS NULL OR (coalesce(sent_at, received_at) AT TIME ZONE 'UTC')::date >= $1::date)
        AND ($2::date IS NULL OR (coalesce(sent_at, received_at) AT TIME ZONE 'UTC')::date <= $2::date)
        AND $3::int >= 0 AND $4::int >= 0
      GROUP BY 1, 2 ORDER BY 1, 2`,
    sharedDevices: section(
      `SELECT masked_device_id, count(DISTINCT user_id)::int AS users, count(*)::int AS logins,
         min(create_date)::text AS first_seen, max(create_date)::text AS last_seen
       FROM ${t.logins} WHERE ${IN_RANGE} GROUP BY masked_device_id`,
      "masked_device_id, users, logins, first_seen, last_seen",
      "users DESC, logins DESC, masked_device_id",
      true,
      2,
    ),
    busyIps: section(
      `SELECT create_date::text AS date, masked_ip, count(DISTINCT user_id)::int AS users, count(*)::int AS logins
       FROM ${t.logins} WHERE ${IN_RANGE} GROUP BY create_date, masked_ip`,
      "date, masked_ip, users, logins",
      "users DESC, logins DESC, date, masked_ip",
      true,
      2,
    ),
    // One user per group: with K above 1 every roaming user is hidden, as it must be.
    roamingUsers: section(
      `SELECT user_id, count(DISTINCT masked_device_id)::int AS devices, count(DISTINCT masked_ip)::int AS ips,
         count(*)::int AS logins, 1 AS users
       FROM ${t.logins} WHERE ${IN_RANGE} GROUP BY user_id`,
      "user_id, devices, ips, logins",
      "devices DESC, ips DESC, logins DESC, user_id",
      true,
    ),
    appVersions: section(
      `SELECT create_date::text AS date, app_version, count(*)::int AS logins, count(DISTINCT user_id)::int AS users
       FROM ${t.logins} WHERE ${IN_RANGE} GROUP BY create_date, app_version`,
      "date, app_version, logins",
      "date, app_version",
      false,
    ),
    deviceTypes: section(
      `SELECT device_type, count(*)::int AS logins, count(DISTINCT user_id)::int AS users
       FROM ${t.logins} WHERE ${IN_RANGE} GROUP BY device_type`,
      "device_type, logins, users",
      "logins DESC, device_type",
      true,
    ),
    locales: section(
      `SELECT locale, count(*)::int AS logins, count(DISTINCT user_id)::int AS users
       FROM ${t.logins} WHERE ${IN_RANGE} GROUP BY locale`,
      "locale, logins, users",
      "logins DESC, locale NULLS LAST",
      true,
    ),
  };
}
