import { MASK_KIND } from "./mask-kind.ts";
import type { Tables } from "./tables.ts";

/** What `securelog stats` reads. Counts and masked values only; nothing here can show a raw value. */
export const statsTotals = (t: Tables) => `SELECT
  (SELECT count(*) FROM ${t.logins})::int AS rows,
  (SELECT count(DISTINCT masked_device_id) FROM ${t.logins})::int AS devices,
  (SELECT count(DISTINCT masked_ip) FROM ${t.logins})::int AS ips,
  (SELECT count(DISTINCT user_id) FROM ${t.logins})::int AS users,
  (SELECT count(*) FROM (SELECT masked_device_id FROM ${t.logins}
     GROUP BY masked_device_id HAVING count(DISTINCT user_id) > 1) shared)::int AS shared_devices,
  (SELECT count(*) FROM ${t.rejects})::int AS rejects,
  (SELECT min(create_date)::text FROM ${t.logins}) AS first_date,
  (SELECT max(create_date)::text FROM ${t.logins}) AS last_date`;

export const statsAppVersions = (
  t: Tables,
) => `SELECT app_version AS value, count(*)::int AS n FROM ${t.logins}
  GROUP BY app_version ORDER BY count(*) DESC, app_version LIMIT $1`;

export const statsLocales = (t: Tables) => `SELECT locale AS value, count(*)::int AS n FROM ${t.logins}
  GROUP BY locale ORDER BY 2 DESC, 1 NULLS FIRST LIMIT $1`;

export const statsDeviceTypes = (
  t: Tables,
) => `SELECT device_type AS value, count(*)::int AS n FROM ${t.logins}
  GROUP BY device_type ORDER BY count(*) DESC, device_type LIMIT $1`;

export const statsRejectReasons = (t: Tables) => `SELECT reason AS value, count(*)::int AS n FROM ${t.rejects}
  GROUP BY reason ORDER BY count(*) DESC, reason LIMIT $1`;

/** Stored masks by scheme and key (`hmac:<id>`, `encrypt:<id>`, `sha256`), both PII columns and rejected bodies. */
export const maskKinds = (t: Tables) => `SELECT kind, count(*)::int AS n FROM (
  SELECT ${MASK_KIND("masked_ip")} AS kind FROM ${t.logins}
  UNION ALL SELECT ${MASK_KIND("masked_device_id")} FROM ${t.logins}
  UNION ALL SELECT ${MASK_KIND("(masked_body->>'ip')")} FROM ${t.rejects} WHERE masked_body ? 'ip'
  UNION ALL SELECT ${MASK_KIND("(masked_body->>'device_id')")} FROM ${t.rejects} WHERE masked_body ? 'device_id'
) k GROUP BY kind ORDER BY kind`;
