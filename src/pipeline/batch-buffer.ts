import type { SourceMessage } from "../source/message.ts";

/** A batch taken from the buffer, with the UTF-8 bytes of its bodies (what it releases from the budget). */
export interface Batch {
  readonly messages: readonly SourceMessage[];
  readonly bytes: number;
}

/**
 * Received messages waiting for a writer. Writers take up to batchSize messages and batchBytes of bodies at a
 * time: under load the buffer fills while a transaction runs, so batches grow by themselves; when idle they stay
 * small and fast.
 */
export class BatchBuffer {
  readonly #batchSize: number;
  readonly #batchBytes: number;
  #messages: SourceMessage[] = [];

  constructor(batchSize: number, batchBytes: number) {
    this.#batchSize = batchSize;
    this.#batchBytes = batchBytes;
  }

  get length(): number {
    return this.#messages.length;
  }

  push(messages: readonly SourceMessage[]): void {
    for (const message of messages) this.#messages.push(message);
  }

  /** The next batch; a batch always takes at least one message, however large. */
  take(): Batch {
    let bytes = 0;
    let length = 0;
    for (const message of this.#messages) {
      if (length >= this.#batchSize) break;
      const size = Buffer.byteLength(message.body);
      if (length > 0 && bytes + size > this.#batchBytes) break;
      bytes += size;
      length++;
    }
    return { messages: this.#messages.splice(0, length), bytes };
  }
}
