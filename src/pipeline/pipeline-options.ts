import type { Acknowledger, MessageSource } from "../source/message.ts";
import type { BatchWriter } from "./batch-writer.ts";
import type { PipelineEvents } from "./events.ts";

export interface PipelineOptions {
  /** Concurrent receives: where they start, or the pinned number when maxConcurrency is absent. */
  readonly concurrency: number;
  /** Adapt the number of concurrent receives between 1 and this (concurrency.ts); absent: pinned. */
  readonly maxConcurrency?: number;
  /** Most messages in one sink statement. */
  readonly batchSize: number;
  /** Most message body bytes in one sink statement (a batch always takes at least one message). */
  readonly batchBytes: number;
  /** Concurrent sink transactions. */
  readonly writers: number;
  /** Received-but-not-deleted messages at which pollers pause (bounds memory on a large backlog). */
  readonly maxInFlight: number;
  /** The same bound in body bytes (UTF-8): SQS messages may be 256 KiB or more, and count alone does not bound memory. */
  readonly maxInFlightBytes: number;
  /** How long a retryable failure (database or SQS down) may last before the run gives up. */
  readonly maxRetryTimeMs: number;
  /** Stop once every poller has come back empty from a long poll and nothing else is in flight on the queue. */
  readonly untilEmpty: boolean;
  /** The visibility timeout messages are received with; enables the heartbeat when the source can extend. */
  readonly visibilityTimeoutMs?: number;
}

export interface PipelineDeps {
  readonly source: MessageSource;
  /** Deletes what is committed. */
  readonly acknowledger: Acknowledger;
  /** Transforms and commits batches. */
  readonly writer: BatchWriter;
  readonly events: PipelineEvents;
}
