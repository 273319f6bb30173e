import type { SqsConfig } from "../config/sqs.ts";
import { inBatchesOfTen } from "./batches.ts";
import type { Acknowledger, DeleteResult, SourceMessage } from "./message.ts";
import { sourceError } from "./sqs-errors.ts";
import type { BatchResult } from "./sqs-shapes.ts";
import { SqsWire } from "./sqs-wire.ts";

/** What a batch call by receipt handle did: how many entries SQS took, and the indexes of those it refused. */
export interface HandleBatchResult {
  readonly done: number;
  readonly failed: readonly number[];
}

/**
 * The calls SQS takes by receipt handle, ten to a request: deletes (so this is an Acknowledger) and visibility
 * changes. SqsSource uses one over its own connections; `run` opens another for its deletes, so that they never
 * wait behind long polls for a socket.
 */
export class SqsAcknowledger implements Acknowledger {
  readonly #wire: SqsWire;
  readonly #config: SqsConfig;

  constructor(wire: SqsWire, config: SqsConfig) {
    this.#wire = wire;
    this.#config = config;
  }

  /** An acknowledger with connections of its own (closed by close()). */
  static open(config: SqsConfig, maxSockets: number): SqsAcknowledger {
    return new SqsAcknowledger(new SqsWire(config, { maxSockets, timeoutMs: 10_000 }), config);
  }

  async delete(messages: readonly SourceMessage[]): Promise<DeleteResult> {
    const { done, failed } = await this.#batch(
      "DeleteMessageBatch",
      messages.map((m) => m.receiptHandle),
    );
    return { deleted: done, failed: failed.flatMap((i) => messages[i] ?? []) };
  }

  changeVisibility(receiptHandles: readonly string[], seconds: number): Promise<HandleBatchResult> {
    return this.#batch("ChangeMessageVisibilityBatch", receiptHandles, { VisibilityTimeout: seconds });
  }

  close(): void {
    this.#wire.close();
  }

  async #batch(
    action: "DeleteMessageBatch" | "ChangeMessageVisibilityBatch",
    receiptHandles: readonly string[],
    extra: Record<string, unknown> = {},
  ): Promise<HandleBatchResult> {
    const chunks = inBatchesOfTen(receiptHandles);
    const results = await Promise.all(
      chunks.map((chunk) =>
        this.#wire.call<BatchResult>(
          action,
          {
            QueueUrl: this.#config.queueUrl,
            Entries: chunk.map((ReceiptHandle, i) => ({ Id: String(i), ReceiptHandle, ...extra })),
          },
          // Acknowledgements retries a failed delete until just before its receipt handle expires.
          action === "DeleteMessageBatch" ? { attempts: 1 } : {},
        ),
      ),
    ).catch((error: unknown) => {
      throw sourceError(error, this.#config.queueUrl, this.#config.endpoint);
    });
    let done = 0;
    const failed: number[] = [];
    results.forEach((result, chunkIndex) => {
      done += result.Successful?.length ?? 0;
      const size = chunks[chunkIndex]?.length ?? 0;
      for (const entry of result.Failed ?? []) {
        const id = Number(entry.Id);
        if (Number.isInteger(id) && id >= 0 && id < size) failed.push(chunkIndex * 10 + id);
      }
    });
    return { done, failed };
  }
}
