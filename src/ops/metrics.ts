import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { PipelineEvents } from "../pipeline/events.ts";

export interface MetricsSources {
  /** Messages received and not yet deleted. */
  inFlight(): number;
  /** Concurrent receives now (adaptive unless pinned). */
  concurrency(): number;
  /** Committed, delete not yet done. */
  awaitingDelete(): number;
  /** Visible messages on the queue (GetQueueAttributes), or undefined when SQS cannot be asked. */
  queueDepth(): Promise<number | undefined>;
}

/**
 * Prometheus metrics, fed by pipeline events. Labels are reason codes and fixed names only: never a message
 * value, so no metric can carry personal data.
 */
export function createMetrics(events: PipelineEvents, sources: MetricsSources): Registry {
  const registry = new Registry();
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
  const rowsPerSecond = new Gauge({
    name: "securelog_sink_rows_per_second",
    help: "Rows plus rejections committed per second, over the last 10 s.",
    registers: [registry],
  });
  const oldestAge = new Gauge({
    name: "securelog_oldest_message_age_seconds",
    help: "Age (since SentTimestamp) of the oldest message in the latest receive.",
    registers: [registry],
  });
  new Gauge({
    name: "securelog_in_flight_messages",
    help: "Messages received and not yet deleted.",
    registers: [registry],
    collect() {
      this.set(sources.inFlight());
    },
  });
  new Gauge({
    name: "securelog_poll_concurrency",
    help: "Concurrent receives now: adapts to the network unless --concurrency pins it.",
    registers: [registry],
    collect() {
      this.set(sources.concurrency());
    },
  });
  new Gauge({
    name: "securelog_awaiting_delete_messages",
    help: "Messages committed whose delete has not completed.",
    registers: [registry],
    collect() {
      this.set(sources.awaitingDelete());
    },
  });
  new Gauge({
    name: "securelog_queue_depth_messages",
    help: "Visible messages on the queue (ApproximateNumberOfMessages), asked at scrape time.",
    registers: [registry],
    async collect() {
      const depth = await sources.queueDepth();
      if (depth !== undefined) this.set(depth);
    },
  });

  const window: { at: number; n: number }[] = [];
  events.on("received", (n) => received.inc(n));
  events.on("receivedBatch", (oldestSentMs) => {
    if (oldestSentMs !== undefined) oldestAge.set(Math.max(0, (Date.now() - oldestSentMs) / 1000));
  });
  events.on("committed", (batch) => {
    loaded.inc(batch.loaded);
    duplicates.inc(batch.duplicates);
    let committed = batch.loaded;
    for (const [reason, n] of batch.rejected) {
      rejected.inc({ reason }, n);
      committed += n;
    }
    batchSeconds.observe(batch.durationMs / 1000);
    const now = Date.now();
    window.push({ at: now, n: committed });
    while (window.length > 0 && (window[0]?.at ?? now) < now - 10_000) window.shift();
    rowsPerSecond.set(window.reduce((sum, entry) => sum + entry.n, 0) / 10);
  });
  events.on("deleted", (n) => deleted.inc(n));
  events.on("redelivered", (n) => redelivered.inc(n));
  events.on("deleteFailed", (n) => deleteFailed.inc(n));
  events.on("sinkRetry", () => retries.inc({ target: "postgres" }));
  events.on("sourceRetry", () => retries.inc({ target: "sqs" }));
  return registry;
}
