import type pg from "pg";
import type { ErasureTarget } from "../transform/erasure.ts";

export type { ErasureTarget };

import type { PiiDomain } from "../transform/mask.ts";
import { lockForErasing, recordErasure } from "./sql/erasures.ts";
import { MASK_KIND } from "./sql/mask-kind.ts";
import { insertAudit, maskedColumn } from "./sql/privacy.ts";
import type { Tables } from "./sql/tables.ts";
import { clearRollupsFor } from "./stale-rollups.ts";
import { inTransaction } from "./transaction.ts";

/** Matches by how they were masked: `hmac:<key id>`, `encrypt:<key id>`, `sha256`, or `body` (other fields). */
export type MatchCounts = Map<string, { rows: number; rejects: number }>;

export interface ErasureReport {
  readonly matches: MatchCounts;
  /** `<scheme>:<key id>` of masks in the tables under keys that are not loaded: those could not be checked. */
  readonly unloaded: readonly string[];
}

const loginMatches = (t: Tables, field: PiiDomain) =>
  `SELECT ${MASK_KIND(maskedColumn(field))} AS kind FROM ${t.logins} WHERE ${maskedColumn(field)} = ANY($1::text[])`;

const rejectMatches = (
  t: Tables,
  field: PiiDomain,
) => `SELECT CASE WHEN masked_body->>'${field}' = ANY($1::text[])
    THEN ${MASK_KIND(`(masked_body->>'${field}')`)} ELSE 'body' END AS kind FROM ${t.rejects} r
  WHERE masked_body->>'${field}' = ANY($1::text[]) OR masked_body ?| $2::text[]
    OR EXISTS (SELECT 1 FROM jsonb_each_text(r.masked_body) e WHERE e.value = ANY($2::text[]))`;

const deleteLogins = (t: Tables, field: PiiDomain) =>
  `DELETE FROM ${t.logins} WHERE ${maskedColumn(field)} = ANY($1::text[]) RETURNING ${MASK_KIND(maskedColumn(field))} AS kind`;

const deleteRejects = (t: Tables, field: PiiDomain) => `DELETE FROM ${t.rejects} r
  WHERE masked_body->>'${field}' = ANY($1::text[]) OR masked_body ?| $2::text[]
    OR EXISTS (SELECT 1 FROM jsonb_each_text(r.masked_body) e WHERE e.value = ANY($2::text[]))
  RETURNING CASE WHEN masked_body->>'${field}' = ANY($1::text[])
    THEN ${MASK_KIND(`(masked_body->>'${field}')`)} ELSE 'body' END AS kind`;

/** Every scheme and key that masked values of the field, in both tables. A full scan: forget is rare. */
const presentKinds = (t: Tables, field: PiiDomain) => `SELECT DISTINCT kind FROM (
  SELECT ${MASK_KIND(maskedColumn(field))} AS kind FROM ${t.logins}
  UNION ALL SELECT ${MASK_KIND(`(masked_body->>'${field}')`)} FROM ${t.rejects} WHERE masked_body ? '${field}'
) k`;

export function tally(rows: readonly { kind: string }[], into: MatchCounts, table: "rows" | "rejects"): void {
  for (const { kind } of rows) {
    const entry = into.get(kind) ?? { rows: 0, rejects: 0 };
    entry[table]++;
    into.set(kind, entry);
  }
}

/** Scheme:key kinds present in the tables that none of `forms` could match (a key that is not loaded). */
async function unloadedKinds(client: pg.ClientBase, t: Tables, target: ErasureTarget): Promise<string[]> {
  const covered = new Set(
    target.forms.map((f) => (f.keyId === undefined ? f.scheme : `${f.scheme}:${f.keyId}`)),
  );
  const present = (await client.query<{ kind: string }>(presentKinds(t, target.field))).rows.map(
    (r) => r.kind,
  );
  return present.filter((kind) => kind !== "other" && !covered.has(kind)).sort();
}

function params(target: ErasureTarget): [string[], string[]] {
  return [target.forms.map((f) => f.value), [...target.bodyForms]];
}

/** What an erasure would delete (forget --dry-run): counts per scheme and key. */
export async function countErasure(
  client: pg.ClientBase,
  t: Tables,
  target: ErasureTarget,
): Promise<ErasureReport> {
  const [forms, bodyForms] = params(target);
  const matches: MatchCounts = new Map();
  tally((await client.query<{ kind: string }>(loginMatches(t, target.field), [forms])).rows, matches, "rows");
  tally(
    (await client.query<{ kind: string }>(rejectMatches(t, target.field), [forms, bodyForms])).rows,
    matches,
    "rejects",
  );
  return { matches, unloaded: await unloadedKinds(client, t, target) };
}

export interface AuditEntry {
  readonly action: string;
  /** A keyed one-way digest of what was acted on (never a mask that opens), or null. */
  readonly digest: string | null;
  readonly reason: string;
  readonly operator: string;
}

/**
 * Erases a value: records it in the register, deletes every matching row and rejection, and audits it, in one
 * transaction that holds the erasure lock exclusively, so no load can bring the value back in between
 * (sql/erasures.ts).
 */
export async function erase(
  client: pg.ClientBase,
  t: Tables,
  target: ErasureTarget,
  audit: Omit<AuditEntry, "digest">,
): Promise<ErasureReport> {
  const [forms, bodyForms] = params(target);
  const matches: MatchCounts = new Map();
  const unloaded = await unloadedKinds(client, t, target);
  await inTransaction(client, async () => {
    await client.query(lockForErasing(t));
    const register = target.register;
    if (register !== undefined && register.digests.length > 0) {
      await client.query(recordErasure(t), [
        register.digests,
        register.masks,
        target.field,
        register.digests[0],
      ]);
    }
    const deleted = (await client.query<{ kind: string }>(deleteLogins(t, target.field), [forms])).rows;
    if (deleted.length > 0) await clearRollupsFor(client, t, "forget");
    tally(deleted, matches, "rows");
    tally(
      (await client.query<{ kind: string }>(deleteRejects(t, target.field), [forms, bodyForms])).rows,
      matches,
      "rejects",
    );
    let total = 0;
    for (const { rows, rejects } of matches.values()) total += rows + rejects;
    await client.query(insertAudit(t), [
      audit.action,
      register?.digests[0] ?? null,
      total,
      audit.reason,
      audit.operator,
    ]);
  });
  return { matches, unloaded };
}

export function describeMatches(matches: MatchCounts): string {
  if (matches.size === 0) return "nothing matched";
  return [...matches.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([kind, { rows, rejects }]) =>
        `${kind === "body" ? "other fields of rejected bodies" : kind}: ${rows} rows, ${rejects} rejections`,
    )
    .join("; ");
}

/** Matches per `<scheme>:<key id>` (or `body`: other fields of rejected bodies), for --json. */
export function matchesJson(
  report: Pick<ErasureReport, "matches">,
): Record<string, { rows: number; rejects: number }> {
  return Object.fromEntries([...report.matches.entries()].sort(([a], [b]) => a.localeCompare(b)));
}
