import type { PipelineOptions } from "../../src/pipeline/pipeline-options.ts";
import type { RejectReason } from "../../src/reject-reason.ts";
import { sinkWriteError } from "../../src/sink/pg-errors.ts";
import type { RowSink, WriteResult } from "../../src/sink/row-sink.ts";
import type { Acknowledger, DeleteResult, MessageSource, SourceMessage } from "../../src/source/message.ts";
import type { Outcome } from "../../src/transform/transform.ts";

/** A queue in memory: hands out its messages ten at a time, records deletes. */
export class MemorySource implements MessageSource, Acknowledger {
  readonly deleted: string[] = [];
  readonly extended: string[] = [];
  /** Refuse (report as Failed) the first delete of each message this many times. */
  refuseDeletes = 0;
  readonly #refused = new Map<string, number>();
  #pending: SourceMessage[];
  #onDelete: (ids: string[]) => void;

  constructor(bodies: readonly string[], onDelete: (ids: string[]) => void = () => undefined) {
    this.#pending = bodies.map((body, i) => ({
      id: `m${i}`,
      receiptHandle: `r${i}`,
      body,
      sentTimestampMs: Date.parse("2026-01-02T03:04:05Z"),
      receiveCount: 1,
      receivedAt: new Date(),
    }));
    this.#onDelete = onDelete;
  }

  /** The `maxMessages` asked for, per receive. */
  readonly asked: number[] = [];

  async receive(_signal?: AbortSignal, maxMessages = 10): Promise<readonly SourceMessage[]> {
    this.asked.push(maxMessages);
    await new Promise((resolve) => setImmediate(resolve));
    return this.#pending.splice(0, maxMessages);
  }

  async delete(messages: readonly SourceMessage[]): Promise<DeleteResult> {
    const failed = messages.filter((m) => {
      const refusals = this.#refused.get(m.id) ?? 0;
      this.#refused.set(m.id, refusals + 1);
      return refusals < this.refuseDeletes;
    });
    const ids = messages.filter((m) => !failed.includes(m)).map((m) => m.id);
    this.#onDelete(ids);
    this.deleted.push(...ids);
    return { deleted: ids.length, failed };
  }

  /** Message ids whose visibility changes SQS reports as Failed (an expired receipt handle, say). */
  readonly refuseExtends = new Set<string>();

  async extend(messages: readonly SourceMessage[]): Promise<readonly SourceMessage[]> {
    this.extended.push(...messages.filter((m) => !this.refuseExtends.has(m.id)).map((m) => m.id));
    return messages.filter((m) => this.refuseExtends.has(m.id));
  }
}

export interface MemorySinkBehaviour {
  /** Throw a retryable error on this many writes first. */
  failFirst?: number;
  /** Always throw a retryable error. */
  down?: boolean;
  /** Refuse (as PostgreSQL would, SQLSTATE 22021) any batch holding a row of this message id. */
  refuse?: string;
  /** Refuse any batch holding a rejection of this message id that keeps a (masked) body. */
  refuseFullRejection?: string;
  delayMs?: number;
}

/** A sink in memory that keeps what it committed and can be told to fail. */
export class MemorySink implements RowSink {
  readonly committed = new Map<string, Outcome>();
  /** The messages of each write, in order. */
  readonly batches: (readonly Outcome[])[] = [];
  writes = 0;
  #behaviour: MemorySinkBehaviour;
  #failures = 0;

  constructor(behaviour: MemorySinkBehaviour = {}) {
    this.#behaviour = behaviour;
  }

  async ensureSchema(): Promise<void> {}

  async write(outcomes: readonly Outcome[]): Promise<WriteResult> {
    this.writes++;
    this.batches.push(outcomes);
    if (this.#behaviour.delayMs !== undefined)
      await new Promise((r) => setTimeout(r, this.#behaviour.delayMs));
    if (this.#behaviour.down === true || this.#failures < (this.#behaviour.failFirst ?? 0)) {
      this.#failures++;
      throw sinkWriteError(
        Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }),
      );
    }
    const refused = (o: Outcome) =>
      (o.kind === "row" && o.message.id === this.#behaviour.refuse) ||
      (o.kind === "reject" &&
        o.message.id === this.#behaviour.refuseFullRejection &&
        o.reject.maskedBody !== null);
    if (outcomes.some(refused)) {
      throw sinkWriteError(Object.assign(new Error("invalid byte sequence"), { code: "22021" }));
    }
    const rejected = new Map<RejectReason, number>();
    let loaded = 0;
    for (const outcome of outcomes) {
      this.committed.set(outcome.message.id, outcome);
      if (outcome.kind === "row") loaded++;
      else rejected.set(outcome.reject.reason, (rejected.get(outcome.reject.reason) ?? 0) + 1);
    }
    return { loaded, rejected, duplicates: 0 };
  }

  async close(): Promise<void> {}
}

/** Pipeline options for tests that drive the Pipeline class directly: one poller, one writer, drain and stop. */
export function testPipelineOptions(overrides: Partial<PipelineOptions> = {}): PipelineOptions {
  return {
    concurrency: 1,
    batchSize: 10,
    batchBytes: 4 * 1024 * 1024,
    writers: 1,
    maxInFlight: 100,
    maxInFlightBytes: 32 * 1024 * 1024,
    maxRetryTimeMs: 10_000,
    untilEmpty: true,
    ...overrides,
  };
}

/** A login event body with the given fields changed; the user id is unique. */
export function loginEvent(fields: Record<string, unknown> = {}): string {
  return JSON.stringify({
    user_id: `u-${Math.random().toString(16).slice(2)}`,
    app_version: "2.3.0",
    device_type: "ios",
    ip: "192.0.2.10",
    locale: "DE",
    device_id: "555-55-5555",
    ...fields,
  });
}
