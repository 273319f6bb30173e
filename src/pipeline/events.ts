import { EventEmitter } from "node:events";
import type { RejectReason } from "../reject-reason.ts";

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

/** Told about a listener that threw: the event it was called for, and what it threw. */
export type ListenerFailure = (event: keyof PipelineEventMap, error: unknown) => void;

/**
 * An emitter whose listeners cannot hurt the pipeline. EventEmitter lets a listener's exception escape from
 * emit(): `committed` is emitted inside the code that classifies sink failures, so a throwing metrics or log
 * listener would turn a committed batch into a "failed" write (retried, and its messages never deleted), and one
 * throwing from `deleteFailed` would become an unhandled rejection. Each listener is called on its own; what it
 * throws goes to `onFailure` (a log line), never back into the loop.
 */
class IsolatingEmitter extends EventEmitter<PipelineEventMap> {
  readonly #onFailure: ListenerFailure;

  constructor(onFailure: ListenerFailure) {
    super();
    this.#onFailure = onFailure;
  }

  override emit<K extends keyof PipelineEventMap>(event: K, ...args: PipelineEventMap[K]): boolean {
    // rawListeners: `once` wrappers, which remove themselves when called.
    const listeners = this.rawListeners(event) as ((...values: unknown[]) => void)[];
    for (const listener of listeners) {
      try {
        listener.apply(this, args);
      } catch (error) {
        try {
          this.#onFailure(event, error);
        } catch {
          // The failure handler itself failed: nothing more can be said without risking the loop.
        }
      }
    }
    return listeners.length > 0;
  }
}

export function createPipelineEvents(onListenerFailure: ListenerFailure = () => undefined): PipelineEvents {
  return new IsolatingEmitter(onListenerFailure);
}
