import { MIN_VISIBILITY_TIMEOUT_SECONDS, type RunConfig } from "../config.ts";
import { SecureLogError } from "../errors.ts";
import type { HealthServer } from "../ops/health-server.ts";
import { createLogger, logPipelineEvents } from "../ops/logger.ts";
import { RunSummary } from "../ops/summary.ts";
import { createPipelineEvents } from "../pipeline/events.ts";
import { Pipeline } from "../pipeline/pipeline.ts";
import { WriterThread } from "../pipeline/writer-thread.ts";
import { describeDatabase } from "../sink/pg-errors.ts";
import { PgSink } from "../sink/pg-sink.ts";
import { tablesIn } from "../sink/sql/tables.ts";
import { verifyOriginalId } from "../source/replay-id.ts";
import { SqsSource } from "../source/sqs-source.ts";
import { describeKeys } from "../transform/mask-key.ts";
import { type CliIo, print } from "./io.ts";

export const SHA256_WARNING =
  "warning: --mask sha256 is unkeyed. There are only 2^32 IPv4 addresses and 10^9 SSN-shaped device ids, and one GPU " +
  "computes billions of SHA-256 hashes a second: anyone who can read the table can recover every raw value in " +
  "seconds. Use the default --mask hmac with a key from `securelog keygen`.";

const SIGNAL_ECHO_MS = 250;

/**
 * Most body bytes in one batch, whatever --batch-size says. Login events are about 200 bytes, so this never
 * binds for them (1,000 of them are 0.2 MB); a queue of large messages (SQS allows 1 MiB) gets smaller batches,
 * since each batch is held several times over while it crosses to the writer thread and is parsed there. 4 MiB
 * peaked at 342 MiB RSS on 2,000 messages of 256 KiB, 1 MiB at 272 MiB (docs/reliability.md).
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

export interface RunTuning {
  /** Concurrent database transactions, in the writer thread's pool. */
  readonly writers: number;
}

export const DEFAULT_TUNING: RunTuning = { writers: 2 };

/**
 * Connects to both ends, checks them before consuming anything, runs the pipeline and prints the summary.
 * Throws a SecureLogError (with its exit code) for anything the operator must fix.
 */
export async function executeRun(
  config: RunConfig,
  io: CliIo,
  tuning: RunTuning = DEFAULT_TUNING,
): Promise<RunSummary> {
  const terminal = (io.stderr as { isTTY?: boolean }).isTTY === true;
  const logger = createLogger(config.quiet ? "error" : config.logLevel, io.stderr, terminal);
  if (config.mask.mode === "sha256") logger.warn(SHA256_WARNING);

  // One socket per poller, plus room for the heartbeat and queue-depth calls; the writer thread's deletes get as many.
  const maxSockets = (config.pinnedConcurrency ? config.concurrency : config.maxConcurrency) + 8;
  const keys = config.mask.mode === "sha256" ? undefined : config.mask.keys.all;
  const onIdleError = (message: string) => logger.warn(`idle database connection failed: ${message}`);
  // Schema checks and /readyz; the rows go through the writer thread's own connections.
  const tables = tablesIn(config.schema);
  const sink = new PgSink({
    databaseUrl: config.databaseUrl,
    tables,
    poolSize: 1,
    onIdleError: (error) => onIdleError(error.message),
  });
  const source = new SqsSource(config.sqs, {
    waitTimeSeconds: config.waitTimeSeconds,
    visibilityTimeoutSeconds: config.visibilityTimeoutSeconds,
    maxSockets,
    // Only an attribute signed by `securelog replay` with a loaded key may choose the ledger id.
    ...(keys === undefined ? {} : { originalId: (attribute: string) => verifyOriginalId(keys, attribute) }),
  });
  const events = createPipelineEvents();
  const summary = new RunSummary(events);
  logPipelineEvents(events, logger);
  let writer: WriterThread | undefined;
  let pipeline: Pipeline | undefined;
  let stopRequested = false;
  let shutdownTimer: NodeJS.Timeout | undefined;
  let signals = 0;
  let firstSignalAt = 0;
  const onSignal = (signal: string) => {
    // One Ctrl-C can arrive more than once: the terminal signals the whole process group, and npm/npx and
    // our launcher also pass it on to their child. Only a signal well after the first means "now".
    if (signals > 0 && Date.now() - firstSignalAt < SIGNAL_ECHO_MS) return;
    signals++;
    if (signals === 1) {
      firstSignalAt = Date.now();
      // Through the logger: a JSON line off a terminal, like every other line of the run.
      logger.warn(
        { signal },
        "finishing in-flight batches, then exiting (send the signal again to exit at once)",
      );
      stopRequested = true;
      pipeline?.stop();
      shutdownTimer = setTimeout(() => {
        pipeline?.abandon(
          new SecureLogError(
            "shutdown_timeout",
            `in-flight batches were not committed within --shutdown-timeout (${config.shutdownTimeoutMs / 1000} s); they stay on the queue and will be redelivered`,
          ),
        );
      }, config.shutdownTimeoutMs);
      shutdownTimer.unref();
    } else {
      pipeline?.abandon(new SecureLogError("interrupted", `${signal} again: exiting without waiting`));
      logger.warn(
        { signal },
        "exiting now; messages not yet committed stay on the queue and will be redelivered",
      );
      io.exitNow(130);
    }
  };
  // Installed before any work starts, so that a signal during start-up is a graceful stop, not a kill.
  io.signals.on("SIGINT", onSignal);
  io.signals.on("SIGTERM", onSignal);
  let started = false;
  let health: HealthServer | undefined;
  let stopProgress: (() => void) | undefined;
  try {
    await sink.ensureSchema().catch(atStartUp);
    await sink.checkMasking({
      scheme: config.mask.mode,
      appVersion: config.appVersion,
      keyIds: config.mask.mode === "sha256" ? [] : config.mask.keys.all.map((k) => k.id),
    });
    const queue = await source.inspect().catch(atStartUp);
    let visibilityTimeoutSeconds = config.visibilityTimeoutSeconds ?? queue.visibilityTimeoutSeconds;
    if (visibilityTimeoutSeconds < MIN_VISIBILITY_TIMEOUT_SECONDS) {
      logger.warn(
        `the queue's visibility timeout is ${visibilityTimeoutSeconds} s; receiving with ${MIN_VISIBILITY_TIMEOUT_SECONDS} s instead, so that messages are not delivered again while they are being loaded`,
      );
      visibilityTimeoutSeconds = MIN_VISIBILITY_TIMEOUT_SECONDS;
      source.useVisibilityTimeout(visibilityTimeoutSeconds);
    }
    logger.info(
      {
        queue: config.sqs.queueUrl,
        table: `${describeDatabase(config.databaseUrl)} ${tables.schema}.user_logins`,
        visible: queue.visibleMessages,
        visibilityTimeout: visibilityTimeoutSeconds,
        pollers: config.pinnedConcurrency
          ? config.concurrency
          : `adaptive, ${config.concurrency} to start, at most ${config.maxConcurrency}`,
        mask:
          config.mask.mode === "sha256"
            ? "sha256 (unkeyed)"
            : `${config.mask.mode}, keys ${describeKeys(config.mask.keys)}`,
        appVersion: config.appVersion,
        untilEmpty: config.untilEmpty,
      },
      "consuming",
    );
    writer = new WriterThread(
      {
        databaseUrl: config.databaseUrl,
        schema: config.schema,
        poolSize: tuning.writers,
        mask: config.mask,
        appVersion: config.appVersion,
        sqs: config.sqs,
        maxSockets,
      },
      onIdleError,
    );
    const thread = writer;
    pipeline = new Pipeline(
      {
        // Receives here, deletes from the writer thread (see WriterThread).
        source: {
          receive: (signal, max) => source.receive(signal, max),
          delete: (messages) => thread.delete(messages),
          extend: (messages, seconds) => source.extend(messages, seconds),
          pending: () => source.pending(),
        },
        writer,
        events,
      },
      {
        concurrency: config.pinnedConcurrency
          ? config.concurrency
          : Math.min(config.concurrency, config.maxConcurrency),
        ...(config.pinnedConcurrency ? {} : { maxConcurrency: config.maxConcurrency }),
        batchSize: config.batchSize,
        batchBytes: BATCH_BYTES,
        writers: tuning.writers,
        maxInFlight: config.maxInFlight,
        maxInFlightBytes: config.maxInFlightMb * 1024 * 1024,
        maxRetryTimeMs: config.maxRetryTimeMs,
        untilEmpty: config.untilEmpty,
        visibilityTimeoutMs: visibilityTimeoutSeconds * 1000,
      },
    );
    if (stopRequested) pipeline.stop();
    // Visible messages left, for the metrics gauge and the progress line; undefined when SQS does not answer.
    const queueDepth = () =>
      source.inspect().then(
        (q) => q.visibleMessages,
        () => undefined,
      );
    if (config.metricsPort !== undefined) {
      const running = pipeline;
      // Loaded only with --metrics-port: prom-client and the HTTP server are start-up time nobody else needs.
      const [{ createMetrics }, { startHealthServer }] = await Promise.all([
        import("../ops/metrics.ts"),
        import("../ops/health-server.ts"),
      ]);
      const checks = [
        { name: "sqs", check: () => source.inspect().then(() => undefined) },
        { name: "postgres", check: () => sink.ping() },
      ];
      const registry = createMetrics(events, {
        inFlight: () => running.inFlight,
        concurrency: () => running.concurrency,
        awaitingDelete: () => running.awaitingDelete,
        queueDepth,
        checks,
      });
      health = await startHealthServer(config.metricsHost, config.metricsPort, registry, checks);
      logger.info({ port: health.port, host: config.metricsHost }, "metrics");
    }
    started = true;
    if (terminal && !config.quiet) {
      const { startProgress } = await import("../ops/progress.ts");
      const running = pipeline;
      stopProgress = startProgress(events, {
        stream: io.stderr,
        queueDepth,
        mode: config.untilEmpty ? "drain" : "follow",
        inFlight: () => running.inFlight,
        concurrency: () => running.concurrency,
      });
    }
    await pipeline.run();
  } finally {
    stopProgress?.();
    await health?.close();
    clearTimeout(shutdownTimer);
    io.signals.off("SIGINT", onSignal);
    io.signals.off("SIGTERM", onSignal);
    summary.finish();
    if (started) print(io.stdout, summary.format());
    source.close();
    await writer?.close();
    await sink.close();
  }
  return summary;
}
