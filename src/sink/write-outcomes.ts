import type pg from "pg";
import { errorCode } from "../errors.ts";
import type { RejectReason } from "../reject-reason.ts";
import type { ErasureDigests, LoginRow, Outcome, Rejecter, RejectRecord } from "../transform/transform.ts";
import type { WriteResult } from "./row-sink.ts";
import { erasedDigests, lockForLoading } from "./sql/erasures.ts";
import { insertNewOutcomes, insertOutcomes } from "./sql/insert-outcomes.ts";
import type { Tables } from "./sql/tables.ts";

/** SQLSTATE unique_violation: a MessageId already in the ledger. */
const UNIQUE_VIOLATION = "23505";

/** The rows as the statement takes them: one JSON array of value arrays (sql/insert-outcomes.ts). */
function loginParam(rows: readonly { id: string; row: LoginRow }[]): string {
  return JSON.stringify(
    rows.map(({ id, row }) => [
      id,
      row.user_id,
      row.device_type,
      row.masked_ip,
      row.masked_device_id,
      row.locale,
      row.app_version,
      row.create_date,
    ]),
  );
}

function rejectParam(rejects: readonly { id: string; reject: RejectRecord }[]): string {
  return JSON.stringify(
    rejects.map(({ id, reject }) => [
      id,
      reject.reason,
      reject.receivedAt.toISOString(),
      reject.sentAt === null ? null : reject.sentAt.toISOString(),
      reject.receiveCount,
      reject.maskedBody,
      reject.bodyDigest,
      reject.bodyBytes,
    ]),
  );
}

/**
 * A value the erasure register holds never comes back: its row becomes a minimal `erased_value:<field>`
 * rejection (no body, so not even a mask of it is stored), and a rejection holding it loses its body. Why not a
 * row with the column NULL: an erasure request is about the subject's data, and every row of user_logins has
 * both masks (counts and joins rely on it); the rejection records only that a message arrived and was kept out.
 */
function keepErasedOut(
  outcome: Outcome,
  digests: ErasureDigests | undefined,
  erased: ReadonlySet<string>,
  reject: Rejecter,
): Outcome {
  if (digests === undefined) return outcome;
  // A body too large to check is not kept either: it might hold an erased value somewhere.
  if (digests.unchecked === true && outcome.kind === "reject")
    return reject(outcome.message, outcome.reject.reason, "minimal");
  const field = digests.ip.some((d) => erased.has(d))
    ? "ip"
    : digests.device_id.some((d) => erased.has(d))
      ? "device_id"
      : undefined;
  if (field === undefined) return outcome;
  return outcome.kind === "row"
    ? reject(outcome.message, `erased_value:${field}`, "minimal")
    : reject(outcome.message, outcome.reject.reason, "minimal");
}

export interface OutcomeStatements {
  readonly tables: Tables;
  readonly insertNew: string;
  readonly insertChecked: string;
}

export function outcomeStatements(tables: Tables): OutcomeStatements {
  return { tables, insertNew: insertNewOutcomes(tables), insertChecked: insertOutcomes(tables) };
}

/**
 * Commits a batch of outcomes in one transaction: the shared erasure lock, the register check, then the rows,
 * the rejections and their ledger entries in one statement. A batch holding a redelivered message fails that
 * statement with unique_violation and is written again by the ledger-checked one, which loads only what the
 * ledger has not seen.
 */
export async function writeOutcomes(
  client: pg.ClientBase,
  statements: OutcomeStatements,
  outcomes: readonly Outcome[],
  reject: Rejecter | undefined,
): Promise<WriteResult> {
  // Whatever fails from here on (the lock wait timing out inside the BEGIN string included) leaves the transaction
  // to PgSink.withConnection, which rolls back after a server error and destroys the client after any other.
  // Each statement of the string gets its own snapshot: the EXISTS sees every erasure committed before the lock.
  const locked = (await client.query(lockForLoading(statements.tables))) as unknown as pg.QueryResult[];
  const anyErasure = locked[2]?.rows[0]?.erasures === true;
  const result = await writeLocked(client, statements, outcomes, anyErasure ? reject : undefined);
  await client.query("COMMIT");
  return result;
}

/** The batch with every value the erasure register holds stored as a rejection instead (reject: only then). */
async function keepingErasedOut(
  client: pg.ClientBase,
  statements: OutcomeStatements,
  outcomes: readonly Outcome[],
  reject: Rejecter | undefined,
): Promise<readonly Outcome[]> {
  if (reject === undefined) return outcomes;
  const computed = outcomes.map((o) => o.digests?.());
  const digests = computed.flatMap((d) => (d === undefined ? [] : [...d.ip, ...d.device_id]));
  const unchecked = computed.some((d) => d?.unchecked === true);
  if (digests.length === 0 && !unchecked) return outcomes;
  const found =
    digests.length === 0
      ? []
      : (await client.query<{ digest: string }>(erasedDigests(statements.tables), [digests])).rows;
  if (found.length === 0 && !unchecked) return outcomes;
  const erased = new Set(found.map((r) => r.digest));
  return outcomes.map((o, i) => keepErasedOut(o, computed[i], erased, reject));
}

/**
 * One ledger key can arrive twice in a batch (two deliveries received close together, or one SNS notification
 * delivered twice); the ledger insert would keep one, but the join would then load both, so keep the first here.
 */
function firstOfEach(batch: readonly Outcome[]) {
  const seen = new Set<string>();
  const rows: { id: string; row: LoginRow }[] = [];
  const rejects: { id: string; reject: RejectRecord }[] = [];
  for (const outcome of batch) {
    const id = outcome.ledgerId;
    if (seen.has(id)) continue;
    seen.add(id);
    if (outcome.kind === "row") rows.push({ id, row: outcome.row });
    else rejects.push({ id, reject: outcome.reject });
  }
  return { rows, rejects };
}

async function writeLocked(
  client: pg.ClientBase,
  statements: OutcomeStatements,
  outcomes: readonly Outcome[],
  reject: Rejecter | undefined,
): Promise<WriteResult> {
  // Digests are computed only when the register holds something (reject is passed only then).
  const { rows, rejects } = firstOfEach(await keepingErasedOut(client, statements, outcomes, reject));
  const params = [loginParam(rows), rejectParam(rejects)];
  try {
    await client.query(statements.insertNew, params);
    const rejected = new Map<RejectReason, number>();
    for (const { reject: r } of rejects) rejected.set(r.reason, (rejected.get(r.reason) ?? 0) + 1);
    return { loaded: rows.length, rejected, duplicates: outcomes.length - rows.length - rejects.length };
  } catch (error) {
    if (errorCode(error) !== UNIQUE_VIOLATION) throw error;
    await client.query("ROLLBACK TO SAVEPOINT outcomes");
  }
  const result = await client.query<{ reason: RejectReason | null; n: number }>(
    statements.insertChecked,
    params,
  );
  let loaded = 0;
  let rejectedCount = 0;
  const rejected = new Map<RejectReason, number>();
  for (const { reason, n } of result.rows) {
    if (reason === null) loaded = n;
    else {
      rejected.set(reason, n);
      rejectedCount += n;
    }
  }
  return { loaded, rejected, duplicates: outcomes.length - loaded - rejectedCount };
}
