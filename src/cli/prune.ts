import { type Env, type Flags, loadDatabaseUrl, RUN_OPTIONS } from "../config.ts";
import { ConfigError } from "../errors.ts";
import { withDatabase } from "../sink/database.ts";
import { PRUNE_LEDGER } from "../sink/sql/prune.ts";
import { type CliIo, print } from "./io.ts";

export const PRUNE_OPTIONS = {
  "database-url": RUN_OPTIONS["database-url"],
  "older-than": { type: "string" },
  help: RUN_OPTIONS.help,
  verbose: RUN_OPTIONS.verbose,
} as const;

/**
 * `securelog prune [--older-than DAYS]`: forgets ledger entries older than the queue can hold a message
 * (SQS keeps a message at most 14 days, the default here). Past that no redelivery can arrive, so the entry
 * protects nothing. Pruning younger entries would let a late redelivery load a second row.
 */
export async function pruneCommand(flags: Flags, io: CliIo, env: Env): Promise<number> {
  const text = flags["older-than"];
  const days = typeof text === "string" ? Number(text) : 14;
  if (!Number.isFinite(days) || days < 0 || days > 36_500) {
    throw new ConfigError("--older-than must be a number of days from 0 to 36500");
  }
  const databaseUrl = loadDatabaseUrl(flags, env);
  const removed = await withDatabase(databaseUrl, async (client) => {
    let total = 0;
    for (;;) {
      const n = (await client.query(PRUNE_LEDGER, [days, 10_000])).rowCount ?? 0;
      total += n;
      if (n === 0) return total;
    }
  });
  print(io.stdout, `pruned ${removed} ledger entries older than ${days} days.`);
  return 0;
}
