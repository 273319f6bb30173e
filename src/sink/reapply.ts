import type pg from "pg";
import { erasureDigests } from "../transform/erasure.ts";
import type { PiiDomain } from "../transform/mask.ts";
import type { KeyRing } from "../transform/mask-key.ts";
import { reveal } from "../transform/reveal.ts";
import { type MatchCounts, tally } from "./erase.ts";
import { lockForErasing } from "./sql/erasures.ts";
import { MASK_KIND } from "./sql/mask-kind.ts";
import { insertAudit, maskedColumn } from "./sql/privacy.ts";
import type { Tables } from "./sql/tables.ts";
import { clearRollupsFor } from "./stale-rollups.ts";
import { inTransaction } from "./transaction.ts";

/** One row of an erasure register, as copied between databases. */
export interface RegisterEntry {
  readonly digest: string;
  readonly mask: string;
  readonly field: string;
  readonly erasure: string;
}

export const readRegister = (t: Tables) => `SELECT digest, mask, field, erasure FROM ${t.erasures}`;

const copyRegister = (t: Tables) => `INSERT INTO ${t.erasures} (digest, mask, field, erasure)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) ON CONFLICT (digest) DO NOTHING`;

const FIELDS: readonly PiiDomain[] = ["ip", "device_id"];
const inBody = (field: PiiDomain) => `(masked_body->>'${field}')`;

/** hmac masks the register recorded: matched as they are, no key needed. */
const deleteMaskedLogins = (t: Tables, field: PiiDomain) => `DELETE FROM ${t.logins}
  WHERE ${maskedColumn(field)} IN (SELECT mask FROM ${t.erasures} WHERE field = '${field}')
  RETURNING ${MASK_KIND(maskedColumn(field))} AS kind`;
const deleteMaskedRejects = (t: Tables, field: PiiDomain) => `DELETE FROM ${t.rejects}
  WHERE ${inBody(field)} IN (SELECT mask FROM ${t.erasures} WHERE field = '${field}')
  RETURNING ${MASK_KIND(inBody(field))} AS kind`;

/** Reversible values to open and check against the register's digests. */
const encryptedValues = (t: Tables, field: PiiDomain) => `SELECT DISTINCT v FROM (
  SELECT ${maskedColumn(field)} AS v FROM ${t.logins} WHERE ${maskedColumn(field)} LIKE 'enc:%'
  UNION SELECT ${inBody(field)} FROM ${t.rejects} WHERE ${inBody(field)} LIKE 'enc:%') e`;
const deleteLogins = (t: Tables, field: PiiDomain) =>
  `DELETE FROM ${t.logins} WHERE ${maskedColumn(field)} = ANY($1::text[]) RETURNING ${MASK_KIND(maskedColumn(field))} AS kind`;
const deleteRejects = (t: Tables, field: PiiDomain) =>
  `DELETE FROM ${t.rejects} WHERE ${inBody(field)} = ANY($1::text[]) RETURNING ${MASK_KIND(inBody(field))} AS kind`;

/** Unkeyed masks: the register never holds a sha256 form (anyone could brute-force it), so these cannot be checked. */
const sha256Values = (t: Tables, field: PiiDomain) => `SELECT count(*)::int AS n FROM (
  SELECT 1 FROM ${t.logins} WHERE ${maskedColumn(field)} ~ '^[0-9a-f]{64}$'
  UNION ALL SELECT 1 FROM ${t.rejects} WHERE ${inBody(field)} ~ '^[0-9a-f]{64}$') s`;

export interface ReapplyReport {
  readonly copied: number;
  readonly matches: MatchCounts;
  /** Reversible values under keys that are not loaded: not checked. */
  readonly unopenable: number;
  /** Unkeyed values: cannot be checked against the register. */
  readonly unkeyed: number;
}

/** Erases one field's registered values (hmac by mask, reversible ones by digest once opened); counts the rest. */
async function eraseField(
  client: pg.ClientBase,
  t: Tables,
  keys: KeyRing,
  field: (typeof FIELDS)[number],
  digests: ReadonlySet<string>,
  matches: MatchCounts,
): Promise<{ unopenable: number; unkeyed: number }> {
  let unopenable = 0;
  tally((await client.query<{ kind: string }>(deleteMaskedLogins(t, field))).rows, matches, "rows");
  tally((await client.query<{ kind: string }>(deleteMaskedRejects(t, field))).rows, matches, "rejects");
  const erased: string[] = [];
  for (const { v } of (await client.query<{ v: string }>(encryptedValues(t, field))).rows) {
    const opened = reveal(v, keys);
    if (!opened.ok) unopenable++;
    else if (opened.domain === field && erasureDigests(keys, field, opened.value).some((d) => digests.has(d)))
      erased.push(v);
  }
  if (erased.length > 0) {
    tally((await client.query<{ kind: string }>(deleteLogins(t, field), [erased])).rows, matches, "rows");
    tally((await client.query<{ kind: string }>(deleteRejects(t, field), [erased])).rows, matches, "rejects");
  }
  const unkeyed = (await client.query<{ n: number }>(sha256Values(t, field))).rows[0]?.n ?? 0;
  return { unopenable, unkeyed };
}

/**
 * Erases again, in this database, every value an erasure register holds (`entries`, read from the database where
 * the erasures were made, when this one is a restored copy): the register is copied in first, so later loads here
 * keep those values out too. hmac values are matched by the masks the register recorded, reversible values are
 * opened with the loaded keys and matched by digest; unkeyed sha256 values cannot be matched and are counted.
 */
export async function reapplyErasures(
  client: pg.ClientBase,
  t: Tables,
  keys: KeyRing,
  entries: readonly RegisterEntry[],
  audit: { readonly reason: string; readonly operator: string },
): Promise<ReapplyReport> {
  return inTransaction(client, async () => {
    await client.query(lockForErasing(t));
    const copied =
      (
        await client.query(copyRegister(t), [
          entries.map((e) => e.digest),
          entries.map((e) => e.mask),
          entries.map((e) => e.field),
          entries.map((e) => e.erasure),
        ])
      ).rowCount ?? 0;
    const digests = new Set(
      (await client.query<{ digest: string }>(`SELECT digest FROM ${t.erasures}`)).rows.map((r) => r.digest),
    );
    const matches: MatchCounts = new Map();
    let unopenable = 0;
    let unkeyed = 0;
    for (const field of FIELDS) {
      const counts = await eraseField(client, t, keys, field, digests, matches);
      unopenable += counts.unopenable;
      unkeyed += counts.unkeyed;
    }
    let total = 0;
    let rows = 0;
    for (const counts of matches.values()) {
      total += counts.rows + counts.rejects;
      rows += counts.rows;
    }
    if (rows > 0) await clearRollupsFor(client, t, "forget --reapply");
    await client.query(insertAudit(t), ["reapply", null, total, audit.reason, audit.operator]);
    return { copied, matches, unopenable, unkeyed };
  });
}
