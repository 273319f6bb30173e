import { ENV_FILE_OPTIONS, JSON_OPTION } from "../../config/common-options.ts";
import type { OptionSpec } from "../../config/option-spec.ts";
import { RUN_OPTIONS } from "../../config/options.ts";
import { type Env, type Flags, settingsOf } from "../../config/settings.ts";
import { ConfigError, coerceError } from "../../errors.ts";
import type { Command } from "../command.ts";
import { type CliIo, print, printJson } from "../io.ts";

/** The options of `securelog prune`, typed for its settings (settingsOf). */
const OPTIONS = {
  "database-url": RUN_OPTIONS["database-url"],
  schema: RUN_OPTIONS.schema,
  "queue-url": RUN_OPTIONS["queue-url"],
  endpoint: RUN_OPTIONS.endpoint,
  region: RUN_OPTIONS.region,
  "older-than": {
    type: "string",
    valueName: "DAYS",
    defaultText: "the queue's retention period, in whole days",
    integer: { min: 0, max: 36_500 },
    description:
      "Prune ledger entries older than DAYS (whole days); fewer than the queue's retention is refused.",
  },
  force: {
    type: "boolean",
    description:
      "Prune below the queue's retention, or without reading it (then --older-than, else 14 days, applies).",
  },
  ...JSON_OPTION,
  ...ENV_FILE_OPTIONS,
  help: RUN_OPTIONS.help,
  verbose: RUN_OPTIONS.verbose,
} as const satisfies Record<string, OptionSpec>;

export const prune: Command = {
  name: "prune",
  summary: "Forget idempotency-ledger entries older than the queue's retention period.",
  about: `Usage: securelog prune [--older-than DAYS] [--queue-url URL] [--database-url URL]

Deletes entries of the idempotency ledger (securelog_processed) older than the queue keeps a message (its
MessageRetentionPeriod, read from the queue, in whole days): past that no redelivery can arrive, so the entry
protects nothing. A younger --older-than is refused without --force: a late redelivery would load a second
row.
Run it daily (deploy/kubernetes/prune-cronjob.yaml does).`,
  options: OPTIONS,
  run: (flags, _, io) => pruneLedgerOf(flags, io),
};

const DAY_SECONDS = 86_400;
/** The queue's MessageRetentionPeriod in whole days (rounded up), or why it could not be read. */
async function retentionDays(flags: Flags, env: Env): Promise<number | Error> {
  const { loadSqsConfig } = await import("../../config/sqs.ts");
  const { SqsSource } = await import("../../source/sqs-source.ts");
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
async function pruneLedgerOf(flags: Flags, io: CliIo): Promise<number> {
  const { loadDatabase } = await import("../../config/database.ts");
  const { withDatabase } = await import("../../sink/database.ts");
  const { pruneLedger } = await import("../../sink/sql/prune.ts");
  const { "older-than": given, force, json } = settingsOf(OPTIONS, flags, io.env);
  const database = loadDatabase(flags, io.env);
  const retention = await retentionDays(flags, io.env);
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
  if (json) printJson(io.stdout, { pruned: removed, olderThanDays: days });
  else print(io.stdout, `pruned ${removed} ledger entries older than ${days} days.`);
  return 0;
}
