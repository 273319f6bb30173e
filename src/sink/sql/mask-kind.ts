/** A stored mask's scheme and key, as SQL: `hmac:<id>`, `encrypt:<id>` or `sha256`. */
export const MASK_KIND = (column: string) => `CASE
  WHEN ${column} LIKE 'enc:%' THEN 'encrypt:' || split_part(${column}, ':', 2)
  WHEN ${column} ~ '^[0-9a-f]{8}:[0-9a-f]{64}$' THEN 'hmac:' || split_part(${column}, ':', 1)
  WHEN ${column} ~ '^[0-9a-f]{64}$' THEN 'sha256'
  ELSE 'other' END`;
