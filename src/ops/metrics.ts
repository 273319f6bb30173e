import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { PipelineEvents } from "../pipeline/events.ts";
import { VERSION } from "../version.ts";
import { type ReadinessCheck, settle } from "./readiness.ts";

export interface MetricsSources {
  /** Messages received and not yet deleted. */
  inFlight(): number;
  /** Concurrent receives now (adaptive unless pinned). */
  concurrency(): number;
  /** Committed, delete not yet done. */
  awaitingDelete(): number;
  /** Visible messages on the queue (GetQueueAttributes), or undefined when SQS cannot be asked. */
  queueDepth(): Promise<number | undefined>;
  /** The same checks as /readyz, asked at scrape time for securelog_up. */
  checks: readonly ReadinessCheck[];
}

/**
 * Prometheus metrics, fed by pipeline events. Labels are reason codes and fixed names only: never a message
 * value, so no metric can carry personal data. Rates are left to PromQL over the counters; what alerts need
 * when nothing happens (a stalled consumer) is a timestamp, so that `time() - x` grows while the process is stuck.
 */
export function createMetrics(events: PipelineEvents, sources: MetricsSources): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: "securelog_build_info",
    help: "Always 1; the labels say which SecureLog and which Node run.",
    labelNames: ["version", "node_version"],
    registers: [registry],
  }).set({ version: VERSION, node_version: process.versions.node }, 1);
  countEvents(registry, events);
  trackProgress(registry, events);
  sampleAtScrape(registry, sources);
  return registry;
}

/** Counters and the batch histogram, fed by pipeline events. */
function countEvents(registry: Registry, events: PipelineEvents): void {
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    new Counter({ name: `securelog_${name}`, help, labelNames, registers: [registry] });
  const received = counter("received_total", "Messages received from SQS (redeliveries included).");
  const loaded = counter("loaded_total", "Rows committed to user_logins.");
  const rejected = counter("rejected_total", "Rejections committed to user_logins_rejects, by reason.", [
    "reason",
  ]);
  const duplicates = counter("duplicates_total", "Redelivered messages the ledger skipped.");
  const deleted = counter("deleted_total", "Messages deleted from SQS after their commit.");
  const deleteFailed = counter(
    "delete_failures_total",
    "Committed messages whose delete failed after retries.",
  );
  const retries = counter("retries_total", "Retried failures, by target.", ["target"]);
  // Both series exist from the start, so rate() and increase() see the first retry.
  for (const target of ["postgres", "sqs"]) retries.inc({ target }, 0);
  const redelivered = counter(
    "redelivered_total",
    "Deliveries of messages already held by this process (visibility ran out while they waited); not processed twice.",
  );
  const batchSeconds = new Histogram({
    name: "securelog_batch_duration_seconds",
    help: "Time to commit one batch.",
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  events.on("received", (n) => received.inc(n));
  events.on("committed", (batch) => {
    loaded.inc(batch.loaded);
    duplicates.inc(batch.duplicates);
    for (const [reason, n] of batch.rejected) rejected.inc({ reason }, n);
    batchSeconds.observe(batch.durationMs / 1000);
  });
  events.on("deleted", (n) => deleted.inc(n));
  events.on("redelivered", (n) => redelivered.inc(n));
  events.on("deleteFailed", (n) => deleteFailed.inc(n));
  events.on("sinkRetry", () => retries.inc({ target: "postgres" }));
  events.on("sourceRetry", () => retries.inc({ target: "sqs" }));
}

/** What alerts watch when nothing happens: when the last receive and commit were, and how far the table lags. */
function trackProgress(registry: Registry, events: PipelineEvents): void {
  const lastReceive = new Gauge({
    name: "securelog_last_receive_timestamp_seconds",
    help: "Unix time of the last receive SQS answered, empty or not (a long poll answers within 20 s); the start time until the first.",
    registers: [registry],
  });
  const lastCommit = new Gauge({
    name: "securelog_last_commit_timestamp_seconds",
    help: "Unix time of the last committed batch of rows and rejections; the start time until the first.",
    registers: [registry],
  });
  // Set to the start so that a process that never manages a receive or a commit still ages into the alert.
  lastReceive.set(Date.now() / 1000);
  lastCommit.set(Date.now() / 1000);
  let newestCommittedSentMs: number | undefined;
  new Gauge({
    name: "securelog_freshness_seconds",
    help: "Now minus the SentTimestamp of the newest committed message: how far the table lags the producers.",
    registers: [registry],
    collect() {
      if (newestCommittedSentMs !== undefined)
        this.set(Math.max(0, (Date.now() - newestCommittedSentMs) / 1000));
    },
  });
  events.on("polled", () => lastReceive.set(Date.now() / 1000));
  events.on("committed", (batch) => {
    lastCommit.set(Date.now() / 1000);
    if (batch.newestSentMs !== undefined && batch.newestSentMs > (newestCommittedSentMs ?? 0))
      newestCommittedSentMs = batch.newestSentMs;
  });
}

/** Gauges read at scrape time from the running pipeline, the queue and the readiness checks. */
function sampleAtScrape(registry: Registry, sources: MetricsSources): void {
  const sampled = (
    name: string,
    help: string,
    read: () => number | undefined | Promise<number | undefined>,
  ) =>
    new Gauge({
      name: `securelog_${name}`,
      help,
      registers: [registry],
      async collect() {
        const value = await read();
        if (value !== undefined) this.set(value);
      },
    });
  sampled("in_flight_messages", "Messages received and not yet deleted.", sources.inFlight);
  sampled(
    "poll_concurrency",
    "Concurrent receives now: adapts to the network unless --concurrency pins it.",
    sources.concurrency,
  );
  sampled(
    "awaiting_delete_messages",
    "Messages committed whose delete has not completed.",
    sources.awaitingDelete,
  );
  sampled(
    "queue_depth_messages",
    "Visible messages on the queue (ApproximateNumberOfMessages), asked at scrape time.",
    sources.queueDepth,
  );
  new Gauge({
    name: "securelog_up",
    help: "1 when the dependency answers now (the /readyz checks), 0 when it does not.",
    labelNames: ["dependency"],
    registers: [registry],
    async collect() {
      for (const [name, ok] of await settle(sources.checks)) this.set({ dependency: name }, ok ? 1 : 0);
    },
  });
}
