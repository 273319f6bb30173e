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
  /** Each buffered body's size in UTF-8 bytes, as SQS and PostgreSQL count (measured once, on the way in). */
  #sizes: number[] = [];

  constructor(batchSize: number, batchBytes: number) {
    this.#batchSize = batchSize;
    this.#batchBytes = batchBytes;
  }

  get length(): number {
    return this.#messages.length;
  }

  /** Buffers messages; returns the UTF-8 bytes of their bodies (what they take of the in-flight budget). */
  push(messages: readonly SourceMessage[]): number {
    let bytes = 0;
    for (const message of messages) {
      const size = Buffer.byteLength(message.body);
      this.#messages.push(message);
      this.#sizes.push(size);
      bytes += size;
    }
    return bytes;
  }

  /** The next batch; a batch always takes at least one message, however large. */
  take(): Batch {
    let bytes = 0;
    let length = 0;
    for (const size of this.#sizes) {
      if (length >= this.#batchSize) break;
      if (length > 0 && bytes + size > this.#batchBytes) break;
      bytes += size;
      length++;
    }
    this.#sizes.splice(0, length);
    return { messages: this.#messages.splice(0, length), bytes };
  }
}
