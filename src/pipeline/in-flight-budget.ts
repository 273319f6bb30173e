import { Notifier } from "./notifier.ts";

/** SQS's ReceiveMessage returns at most ten messages. */
const RECEIVE_MAX_MESSAGES = 10;
/** Body bytes one receive should bring at most, when the messages are large enough for it to matter. */
const RECEIVE_BYTES = 1024 * 1024;

/** One receive's size: how many messages to ask for, and the bytes they may bring. */
export interface ReceiveSize {
  readonly count: number;
  readonly bytes: number;
}

/**
 * How much a process may hold received and not yet deleted: --max-in-flight messages and --max-in-flight-mb of
 * bodies. Receives under way count too, each reserving its messages at the body size lately seen: eight pollers
 * receiving ten 1 MiB messages each would otherwise bring 80 MiB past any bound at once.
 */
export class InFlightBudget {
  readonly #maxMessages: number;
  readonly #maxBytes: number;
  readonly #room = new Notifier();
  #messages = 0;
  #bytes = 0;
  #reservedBytes = 0;
  /** A body size to expect: quick to rise to the largest seen, slow to fall back. */
  #typicalBodyBytes = 2048;

  constructor(maxMessages: number, maxBytes: number) {
    this.#maxMessages = maxMessages;
    this.#maxBytes = maxBytes;
  }

  /** Messages held: received and not yet deleted (or given back). */
  get messages(): number {
    return this.#messages;
  }

  /** Within a tenth of either bound: receiving more would only wait for room. */
  get nearlyFull(): boolean {
    return this.#messages >= this.#maxMessages * 0.9 || this.#bytes >= this.#maxBytes * 0.9;
  }

  /**
   * The next receive's size. Large messages are received fewer at a time: one response, its text and its parsed
   * form are all in memory at once, three copies of up to ten 1 MiB bodies per poller.
   */
  nextReceive(): ReceiveSize {
    const count = Math.max(
      1,
      Math.min(RECEIVE_MAX_MESSAGES, Math.floor(RECEIVE_BYTES / this.#typicalBodyBytes)),
    );
    return { count, bytes: count * this.#typicalBodyBytes };
  }

  /**
   * Reserves room for a receive; false when there is none. Something may always be received when nothing is
   * held or under way, so a single message larger than the bound still gets through.
   */
  reserve(size: ReceiveSize): boolean {
    if (this.#messages >= this.#maxMessages) return false;
    const committed = this.#bytes + this.#reservedBytes;
    if (committed !== 0 && committed + size.bytes > this.#maxBytes) return false;
    this.#reservedBytes += size.bytes;
    return true;
  }

  /** The receive is over (its messages, if any, were admitted): its reservation is given back. */
  unreserve(size: ReceiveSize): void {
    this.#reservedBytes -= size.bytes;
    this.#room.notify();
  }

  /** Counts messages just received; `bytes` is their bodies' UTF-8 bytes (BatchBuffer.push). */
  admit(count: number, bytes: number): void {
    this.#typicalBodyBytes = Math.max(bytes / count, this.#typicalBodyBytes * 0.95, 256);
    this.#messages += count;
    this.#bytes += bytes;
  }

  /** Lets go of messages deleted or given back; `bytes` is their bodies' UTF-8 bytes. */
  release(count: number, bytes: number): void {
    this.#messages -= count;
    this.#bytes -= bytes;
    this.#room.notify();
  }

  /** Resolves when room may have been made, or when `signal` aborts (the run stops). */
  waitForRoom(signal: AbortSignal): Promise<void> {
    return this.#room.wait(signal);
  }
}
