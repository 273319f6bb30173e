/**
 * One statement per batch: the columns arrive as arrays ($1..$8) and unnest turns them back into rows, so a
 * batch of any size is one round trip with a fixed parameter count. Only messages new to the ledger get a row.
 * Message data is only ever bound as parameters, never spliced into SQL.
 */
export const INSERT_LOGINS = `WITH input AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::date[])
    AS t(message_id, user_id, device_type, masked_ip, masked_device_id, locale, app_version, create_date)
), fresh AS (
  INSERT INTO securelog_processed (message_id) SELECT message_id FROM input
  ON CONFLICT (message_id) DO NOTHING
  RETURNING message_id
)
INSERT INTO user_logins (user_id, device_type, masked_ip, masked_device_id, locale, app_version, create_date)
SELECT i.user_id, i.device_type, i.masked_ip, i.masked_device_id, i.locale, i.app_version, i.create_date
FROM input i JOIN fresh f ON f.message_id = i.message_id`;
