import { EventEmitter } from "node:events";
import type { RejectReason } from "../transform/validate.ts";

/**
 * What the pipeline reports. Metrics, logs and the summary subscribe; the loop does not know who listens.
 * Payloads carry counts, reason codes and error descriptions only: never message content.
 */
export interface PipelineEventMap {
  received: [count: number];
  /** Deliveries of messages this process already held (their visibility ran out while they waited): not processed again. */
  redelivered: [count: number];
  /** After every receive SQS answered, empty or not: the consumer is alive (the last-receive timestamp metric). */
  polled: [count: number];
  committed: [
    batch: {
      loaded: number;
      rejected: ReadonlyMap<RejectReason, number>;
      duplicates: number;
      durationMs: number;
      /** The newest SentTimestamp in the batch (ms), for the freshness metric; undefined when none was given. */
      newestSentMs: number | undefined;
    },
  ];
  deleted: [count: number];
  deleteFailed: [count: number, reason: string];
  sinkRetry: [retry: { attempt: number; delayMs: number; error: string }];
  sourceRetry: [retry: { attempt: number; delayMs: number; error: string }];
  /** A row PostgreSQL refused was isolated by splitting its batch and stored as a rejection. */
  isolated: [reason: RejectReason, detail: "full" | "minimal"];
  /** The number of concurrent receives changed (concurrency.ts). */
  concurrency: [target: number];
  /** The visibility heartbeat kept this many held messages hidden for another timeout. */
  extended: [count: number];
  extendFailed: [count: number, reason: string];
}

export type PipelineEvents = EventEmitter<PipelineEventMap>;

export function createPipelineEvents(): PipelineEvents {
  return new EventEmitter<PipelineEventMap>();
}
