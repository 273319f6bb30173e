import type pg from "pg";
import { createMasker, type Masker } from "../transform/mask.ts";
import type { KeyRing } from "../transform/mask-key.ts";
import { reveal } from "../transform/reveal.ts";
import {
  type BodyField,
  insertAudit,
  maskedColumn,
  remapLogins,
  remapRejects,
  staleLoginValues,
  staleRejectValues,
} from "./sql/privacy.ts";
import type { Tables } from "./sql/tables.ts";
import { clearRollupsFor } from "./stale-rollups.ts";
import { inTransaction } from "./transaction.ts";

interface Pass {
  readonly select: string;
  readonly update: string;
  readonly domain: BodyField;
  /** Re-masks rows of user_logins (not rejections): the report's rollups hold the old masks then. */
  readonly logins: boolean;
}

const passes = (t: Tables): Pass[] =>
  (["ip", "device_id"] as const).flatMap((domain) => {
    const column = maskedColumn(domain);
    return [
      { select: staleLoginValues(t, column), update: remapLogins(t, column), domain, logins: true },
      { select: staleRejectValues(t, domain), update: remapRejects(t, domain), domain, logins: false },
    ];
  });

/** Re-masks one table column in pages: open with whichever loaded key made it, seal with the current key. */
async function rekeyPass(
  client: pg.PoolClient,
  t: Tables,
  pass: Pass,
  keys: KeyRing,
  masker: Masker,
  batchSize: number,
): Promise<{ values: number; rows: number; unopenable: number }> {
  const notCurrent = `enc:${keys.current.id}:%`;
  let after = "";
  let values = 0;
  let rows = 0;
  let unopenable = 0;
  for (;;) {
    const page = await client.query<{ v: string }>(pass.select, [notCurrent, after, batchSize]);
    if (page.rows.length === 0) return { values, rows, unopenable };
    const old: string[] = [];
    const fresh: string[] = [];
    for (const { v } of page.rows) {
      const opened = reveal(v, keys);
      if (opened.ok && opened.domain === pass.domain) {
        old.push(v);
        fresh.push(masker.mask(pass.domain, opened.value));
      } else unopenable++;
    }
    after = page.rows.at(-1)?.v ?? after;
    if (old.length > 0)
      rows += await inTransaction(client, async () => {
        const changed = (await client.query(pass.update, [old, fresh])).rowCount ?? 0;
        if (pass.logins && changed > 0) await clearRollupsFor(client, t, "rekey");
        return changed;
      });
    values += old.length;
  }
}

/** Keys that no longer mask anything stop being required by `run` (masking-config.ts). */
const forgetRetiredKeys = (t: Tables) => `DELETE FROM ${t.config} c WHERE c.name LIKE 'key:%'
  AND c.name <> 'key:' || $1 AND NOT EXISTS (SELECT 1 FROM ${t.logins}
    WHERE split_part(masked_ip, ':', CASE WHEN masked_ip LIKE 'enc:%' THEN 2 ELSE 1 END) = substr(c.name, 5)
       OR split_part(masked_device_id, ':', CASE WHEN masked_device_id LIKE 'enc:%' THEN 2 ELSE 1 END) = substr(c.name, 5))
  RETURNING substr(c.name, 5) AS id`;

export interface RekeyResult {
  /** Distinct reversible values re-masked under the current key. */
  readonly values: number;
  readonly rows: number;
  /** Keys that masked something before and mask nothing now. */
  readonly retired: readonly string[];
}

/**
 * Re-masks every reversible value stored under an older loaded key with the current key, in pages of
 * `batchSize` distinct values, each committed on its own (so a long rekey can be stopped and resumed), then
 * audits the rotation and forgets keys that no longer mask anything.
 */
export async function rekeyStored(
  client: pg.PoolClient,
  t: Tables,
  keys: KeyRing,
  batchSize: number,
  audit: { readonly reason: string; readonly operator: string },
): Promise<RekeyResult> {
  const masker = createMasker({ mode: "encrypt", keys });
  let values = 0;
  let rows = 0;
  for (const pass of passes(t)) {
    const result = await rekeyPass(client, t, pass, keys, masker, batchSize);
    values += result.values;
    rows += result.rows;
  }
  await client.query(insertAudit(t), ["rekey", null, rows, audit.reason, audit.operator]);
  const retired = (await client.query<{ id: string }>(forgetRetiredKeys(t), [keys.current.id])).rows;
  return { values, rows, retired: retired.map((r) => r.id) };
}
