import { type Env, type Flags, loadDatabase, loadSqsConfig } from "../config.ts";
import { ConfigError, coerceError } from "../errors.ts";
import { withDatabase } from "../sink/database.ts";
import { pruneLedger } from "../sink/sql/prune.ts";
import { SqsSource } from "../source/sqs-source.ts";
import { type CliIo, print, printJson } from "./io.ts";

const DAY_SECONDS = 86_400;
/** The queue's MessageRetentionPeriod in whole days (rounded up), or why it could not be read. */
async function retentionDays(flags: Flags, env: Env): Promise<number | Error> {
  const source = new SqsSource(loadSqsConfig(flags, env), {
    waitTimeSeconds: 0,
    visibilityTimeoutSeconds: undefined,
    maxSockets: 2,
  });
  try {
    return Math.ceil((await source.inspect()).retentionSeconds / DAY_SECONDS);
  } catch (error) {
    return coerceError(error);
  } finally {
    source.close();
  }
}

/**
 * `securelog prune [--older-than DAYS]`: forgets ledger entries older than the queue can hold a message. Past
 * the queue's retention no redelivery can arrive, so the entry protects nothing; pruning younger entries lets a
 * late redelivery load a second row. So the retention is read from the queue and a shorter --older-than is
 * refused unless --force says the operator knows better (for example a dead-letter queue that keeps messages
 * longer has to be taken into account by hand).
 */
export async function pruneCommand(
  flags: Flags,
  io: CliIo,
  env: Env,
  given: number | undefined,
): Promise<number> {
  const database = loadDatabase(flags, env);
  const force = flags.force === true;
  const retention = await retentionDays(flags, env);
  if (retention instanceof Error && !force) {
    throw new ConfigError(
      `cannot read the queue's retention period to know what is safe to prune (${retention.message}). Fix --queue-url, or pass --force with --older-than DAYS.`,
      "retention_unknown",
    );
  }
  const minimum = retention instanceof Error ? 14 : retention;
  const days = given ?? Math.max(minimum, 1);
  if (days < minimum && !force) {
    throw new ConfigError(
      `the queue keeps messages for ${minimum} days; pruning ledger entries younger than that lets a late redelivery load a second row. Use --older-than ${minimum} or more (or --force).`,
      "prune_too_young",
    );
  }
  const removed = await withDatabase(database, { require: ["ledger"], create: [] }, async (client, t) => {
    const statement = pruneLedger(t);
    let total = 0;
    for (;;) {
      const n = (await client.query(statement, [days, 10_000])).rowCount ?? 0;
      total += n;
      if (n === 0) return total;
    }
  });
  if (flags.json === true) printJson(io.stdout, { pruned: removed, olderThanDays: days });
  else print(io.stdout, `pruned ${removed} ledger entries older than ${days} days.`);
  return 0;
}
