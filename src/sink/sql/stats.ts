/** What `securelog stats` reads. Counts and masked values only; nothing here can show a raw value. */
export const STATS_TOTALS = `SELECT
  (SELECT count(*) FROM user_logins)::int AS rows,
  (SELECT count(DISTINCT masked_device_id) FROM user_logins)::int AS devices,
  (SELECT count(DISTINCT masked_ip) FROM user_logins)::int AS ips,
  (SELECT count(DISTINCT user_id) FROM user_logins)::int AS users,
  (SELECT count(*) FROM (SELECT masked_device_id FROM user_logins
     GROUP BY masked_device_id HAVING count(DISTINCT user_id) > 1) shared)::int AS shared_devices,
  (SELECT count(*) FROM user_logins_rejects)::int AS rejects,
  (SELECT min(create_date)::text FROM user_logins) AS first_date,
  (SELECT max(create_date)::text FROM user_logins) AS last_date`;

export const STATS_APP_VERSIONS = `SELECT app_version::text AS value, count(*)::int AS n FROM user_logins
  GROUP BY app_version ORDER BY count(*) DESC, app_version LIMIT $1`;

export const STATS_LOCALES = `SELECT coalesce(locale, '(null)') AS value, count(*)::int AS n FROM user_logins
  GROUP BY locale ORDER BY 2 DESC, 1 LIMIT $1`;

export const STATS_DEVICE_TYPES = `SELECT device_type AS value, count(*)::int AS n FROM user_logins
  GROUP BY device_type ORDER BY count(*) DESC, device_type LIMIT $1`;

export const STATS_REJECT_REASONS = `SELECT reason AS value, count(*)::int AS n FROM user_logins_rejects
  GROUP BY reason ORDER BY count(*) DESC, reason LIMIT $1`;
