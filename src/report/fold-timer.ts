import type pg from "pg";
import { errorCode } from "../errors.ts";
import type { Logger } from "../ops/logger.ts";
import { describeSinkError } from "../sink/pg-errors.ts";
import { tryLockRollups, unlockRollups } from "../sink/sql/rollups.ts";
import type { Tables } from "../sink/sql/tables.ts";
import { rollupsPresent } from "../sink/stale-rollups.ts";
import { fold, rollupsValid } from "./fold.ts";

const INSUFFICIENT_PRIVILEGE = "42501";

/**
 * One fold if no other replica or report is folding (then this turn is skipped): the feed's rows into the rollups,
 * in one REPEATABLE READ transaction as the report does it. Returns the rows folded, or undefined when skipped.
 */
export async function foldIfFree(client: pg.ClientBase, t: Tables): Promise<number | undefined> {
  if (!(await rollupsPresent(client, t))) return undefined;
  const locked = await client.query<{ got: boolean }>(tryLockRollups(t));
  if (locked.rows[0]?.got !== true) return undefined;
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
    try {
      const folded = (await rollupsValid(client, t)) ? await fold(client, t) : 0;
      await client.query("COMMIT");
      return folded;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    }
  } finally {
    await client.query(unlockRollups(t)).catch(() => undefined);
  }
}

/**
 * `run --fold-every`: a run that follows the queue folds what it loaded every so often, so that the report has
 * little left to fold however rarely it runs. Off the write path (a connection of its own, after each turn the
 * next is scheduled); a failure is logged and the next turn tries again, a missing privilege stops it.
 */
export function foldEvery(
  everyMs: number,
  withConnection: <T>(work: (client: pg.PoolClient) => Promise<T>) => Promise<T>,
  t: Tables,
  logger: Logger,
): AsyncDisposable {
  let timer: NodeJS.Timeout | undefined;
  let turn: Promise<void> = Promise.resolve();
  let stopped = false;
  let lastFailure = "";
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      turn = withConnection((client) => foldIfFree(client, t)).then(
        (folded) => {
          lastFailure = "";
          if (folded !== undefined && folded > 0)
            logger.debug({ rows: folded }, "folded loaded rows into the report's rollups");
          schedule();
        },
        (error: unknown) => {
          if (errorCode(error) === INSUFFICIENT_PRIVILEGE) {
            logger.warn(
              `stopped folding rows into the report's rollups: ${describeSinkError(error)} (docs/operations.md lists the grants; --fold-every 0 turns this off)`,
            );
            return;
          }
          const failure = describeSinkError(error);
          if (failure !== lastFailure)
            logger.warn(`could not fold rows into the report's rollups: ${failure}`);
          lastFailure = failure;
          schedule();
        },
      );
    }, everyMs);
    timer.unref();
  };
  schedule();
  return {
    async [Symbol.asyncDispose]() {
      stopped = true;
      clearTimeout(timer);
      await turn;
    },
  };
}
