import type { RunConfig } from "../config/run-config.ts";
import { coerceError, SecureLogError } from "../errors.ts";
import { attachOperations, type OperationsSetup } from "../ops/attach.ts";
import { createLogger, type Logger, logPipelineEvents } from "../ops/logger.ts";
import { RunSummary } from "../ops/summary.ts";
import { BatchWriter } from "../pipeline/batch-writer.ts";
import { createPipelineEvents } from "../pipeline/events.ts";
import { Pipeline } from "../pipeline/pipeline.ts";
import type { PipelineOptions } from "../pipeline/pipeline-options.ts";
import { foldEvery } from "../report/fold-timer.ts";
import { describeDatabase } from "../sink/pg-errors.ts";
import { PgSink } from "../sink/pg-sink.ts";
import { tablesIn } from "../sink/sql/tables.ts";
import { originalIdOption } from "../source/replay-id.ts";
import { SqsAcknowledger } from "../source/sqs-acknowledger.ts";
import { SqsSource } from "../source/sqs-source.ts";
import { describeKeys } from "../transform/mask-key.ts";
import { transformsFor } from "../transform/transform.ts";
import { type CliIo, print, printJson } from "./io.ts";
import { Shutdown } from "./shutdown.ts";

export const SHA256_WARNING =
  "warning: --mask sha256 is unkeyed. There are only 2^32 IPv4 addresses and 10^9 SSN-shaped device ids, and one GPU " +
  "computes billions of SHA-256 hashes a second: anyone who can read the table can recover every raw value in " +
  "seconds. Use the default --mask hmac with a key from `securelog keygen`.";

/** A second signal within this long of the first is the same Ctrl-C passed on by a parent (see Shutdown). */
export const SIGNAL_ECHO_MS = 250;

/**
 * Most body bytes in one batch, whatever --batch-size says. Login events are about 200 bytes, so this never
 * binds for them; a queue of large messages (SQS allows 1 MiB) gets smaller batches, since each batch is held
 * several times over while it is parsed, masked and sent as one statement: larger caps raised the peak memory
 * for no throughput (docs/reliability.md).
 */
const BATCH_BYTES = 1024 * 1024;

/**
 * Both ends are checked before anything is consumed, and an unreachable one at that point ends the run at once:
 * a wrong address should fail in a second, not after --max-retry-time. Say so, since outages later in a run are
 * retried; under a supervisor (systemd, Kubernetes) the restart does the waiting.
 */
function atStartUp(error: unknown): never {
  if (error instanceof SecureLogError && error.disposition === "retry") {
    throw new SecureLogError(
      error.code,
      `${error.message} (checked at start-up, not retried; outages during a run are retried for --max-retry-time)`,
      { exitCode: error.exitCode, cause: error },
    );
  }
  throw error;
}

/** Concurrent database transactions: one commits while the next batch fills (the demo's PGlite takes one). */
const WRITERS = 2;

/**
 * The ends of a run: the queue it receives from, the connections its deletes go over, the database it writes
 * to, and the write stage in front of it.
 */
interface Ends {
  readonly source: SqsSource;
  /**
   * Deletes over connections of their own: in follow mode every receive holds its socket for up to 20 s, and a
   * delete must not wait behind them (faster on loopback too, docs/benchmarks.md).
   */
  readonly acknowledger: SqsAcknowledger;
  readonly sink: PgSink;
  readonly writer: BatchWriter;
}

function openEnds(config: RunConfig, writers: number, logger: Logger, resources: AsyncDisposableStack): Ends {
  // One socket per poller, plus room for the heartbeat and queue-depth calls; the deletes get as many.
  const maxSockets = (config.pinnedConcurrency ? config.concurrency : config.maxConcurrency) + 8;
  const { transform, reject } = transformsFor(config.mask, config.appVersion);
  // A connection for each concurrent write, and one more so that /readyz never waits behind a commit.
  const sink = new PgSink({
    databaseUrl: config.databaseUrl,
    tables: tablesIn(config.schema),
    rejecter: reject,
    // ...and one for the periodic fold into the report's rollups.
    poolSize: writers + 1 + (config.foldEveryMs > 0 ? 1 : 0),
    onIdleError: (error) => logger.warn(`idle database connection failed: ${error.message}`),
  });
  resources.defer(() => sink.close());
  const source = new SqsSource(config.sqs, {
    waitTimeSeconds: config.waitTimeSeconds,
    visibilityTimeoutSeconds: config.visibilityTimeoutSeconds,
    maxSockets,
    ...originalIdOption(config.mask),
  });
  resources.defer(() => source.close());
  const acknowledger = SqsAcknowledger.open(config.sqs, maxSockets);
  resources.defer(() => acknowledger.close());
  return { source, acknowledger, sink, writer: new BatchWriter(sink, transform, reject) };
}

/** Checks both ends before anything is consumed, and says what the run will do. */
async function checkEnds(
  { source, sink }: Ends,
  config: RunConfig,
  logger: Logger,
  envFile: string | undefined,
): Promise<void> {
  await sink.ensureSchema().catch(atStartUp);
  await sink.checkMasking({
    scheme: config.mask.mode,
    appVersion: config.appVersion,
    keyIds: config.mask.mode === "sha256" ? [] : config.mask.keys.all.map((k) => k.id),
  });
  const queue = await source.inspect().catch(atStartUp);
  logger.info(
    {
      queue: config.sqs.queueUrl,
      table: `${describeDatabase(config.databaseUrl)} ${config.schema}.user_logins`,
      visible: queue.visibleMessages,
      // Every receive asks for the lease, whatever the queue's own timeout (DEFAULT_LEASE_SECONDS).
      visibilityTimeout: config.visibilityTimeoutSeconds,
      pollers: config.pinnedConcurrency
        ? config.concurrency
        : `adaptive, ${config.concurrency} to start, at most ${config.maxConcurrency}`,
      mask:
        config.mask.mode === "sha256"
          ? "sha256 (unkeyed)"
          : `${config.mask.mode}, keys ${describeKeys(config.mask.keys)}`,
      appVersion: config.appVersion,
      untilEmpty: config.untilEmpty,
      ...(envFile === undefined ? {} : { envFile }),
    },
    "consuming",
  );
}

function pipelineOptions(config: RunConfig, writers: number): PipelineOptions {
  return {
    concurrency: config.pinnedConcurrency
      ? config.concurrency
      : Math.min(config.concurrency, config.maxConcurrency),
    ...(config.pinnedConcurrency ? {} : { maxConcurrency: config.maxConcurrency }),
    batchSize: config.batchSize,
    batchBytes: BATCH_BYTES,
    writers,
    maxInFlight: config.maxInFlight,
    maxInFlightBytes: config.maxInFlightMb * 1024 * 1024,
    maxRetryTimeMs: config.maxRetryTimeMs,
    untilEmpty: config.untilEmpty,
    visibilityTimeoutMs: config.visibilityTimeoutSeconds * 1000,
  };
}

function shutdownOn(io: CliIo, config: RunConfig, logger: Logger): Shutdown {
  return new Shutdown(io, {
    timeoutMs: config.shutdownTimeoutMs,
    echoMs: SIGNAL_ECHO_MS,
    // Through the logger: a JSON line off a terminal, like every other line of the run.
    notice: (step, signal) =>
      logger.warn(
        { signal },
        step === "finishing"
          ? "finishing in-flight batches, then exiting (send the signal again to exit at once)"
          : "exiting now; messages not yet committed stay on the queue and will be redelivered",
      ),
    timedOut: () =>
      new SecureLogError(
        "shutdown_timeout",
        `in-flight batches were not committed within --shutdown-timeout (${config.shutdownTimeoutMs / 1000} s); they stay on the queue and will be redelivered`,
      ),
    interrupted: (signal) => new SecureLogError("interrupted", `${signal} again: exiting without waiting`),
  });
}

/** Metrics and /readyz with --metrics-port, the live line on a terminal. */
function operationsFor(
  config: RunConfig,
  { source, sink }: Ends,
  run: Pick<OperationsSetup, "events" | "pipeline" | "logger"> & { readonly terminal: boolean },
  io: CliIo,
): OperationsSetup {
  return {
    ...run,
    queueDepth: () =>
      source.inspect().then(
        (q) => q.visibleMessages,
        () => undefined,
      ),
    checks: [
      { name: "sqs", check: () => source.inspect().then(() => undefined) },
      { name: "postgres", check: () => sink.ping() },
    ],
    ...(config.metricsPort === undefined
      ? {}
      : { metrics: { host: config.metricsHost, port: config.metricsPort } }),
    ...(run.terminal && !config.quiet
      ? { progress: { stream: io.stderr, mode: config.untilEmpty ? "drain" : "follow" } }
      : {}),
  };
}

/**
 * Connects to both ends, checks them before consuming anything, runs the pipeline and prints the summary.
 * Throws a SecureLogError (with its exit code) for anything the operator must fix.
 */
export async function executeRun(config: RunConfig, io: CliIo, writers = WRITERS): Promise<RunSummary> {
  const terminal = (io.stderr as { isTTY?: boolean }).isTTY === true;
  const logger = createLogger(config.quiet ? "error" : config.logLevel, io.stderr, terminal);
  if (config.mask.mode === "sha256") logger.warn(SHA256_WARNING);
  const events = createPipelineEvents((event, error) =>
    logger.error(`a listener of the pipeline's "${event}" event failed: ${coerceError(error).message}`),
  );
  logPipelineEvents(events, logger);
  const summary = new RunSummary(events);
  // Closed in reverse: operations, then the summary is printed, the signal handlers, the deletes' connections, the
  // queue, the database.
  const resources = new AsyncDisposableStack();
  try {
    const ends = openEnds(config, writers, logger, resources);
    const shutdown = resources.use(shutdownOn(io, config, logger));
    await checkEnds(ends, config, logger, io.envFile);
    const { source, acknowledger, writer } = ends;
    const pipeline = new Pipeline({ source, acknowledger, writer, events }, pipelineOptions(config, writers));
    shutdown.attach(pipeline);
    const operations = await attachOperations(
      operationsFor(config, ends, { events, pipeline, logger, terminal }, io),
    );
    // Printed once the progress line is gone, whether the run ends well or not.
    resources.defer(() => {
      summary.finish();
      if (config.json) printJson(io.stdout, summary.counts());
      else print(io.stdout, summary.format());
    });
    resources.use(operations);
    if (config.foldEveryMs > 0)
      resources.use(
        foldEvery(
          config.foldEveryMs,
          (work) => ends.sink.withConnection(work),
          tablesIn(config.schema),
          logger,
        ),
      );
    await pipeline.run();
    return summary;
  } finally {
    await resources.disposeAsync();
  }
}
