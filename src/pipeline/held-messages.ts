import type { SourceMessage } from "../source/message.ts";

interface Held {
  /** The latest delivery: SQS honours only the most recent receipt handle of a message. */
  message: SourceMessage;
  /** When that delivery's visibility timeout runs out (ms since the epoch); the receipt handle stops working. */
  deadline: number;
}

/**
 * The messages this process has received and not yet deleted or given back, by MessageId (the ledger id). A
 * message delivered again while it is still held (its visibility timeout ran out while it waited) is not
 * processed twice: the new delivery only replaces the receipt handle, which then deletes or extends it. So a
 * very short visibility timeout cannot make one message count, load or delete many times.
 */
export class HeldMessages {
  readonly #byId = new Map<string, Held>();
  readonly #visibilityMs: number;

  /** `visibilityMs` 0: unknown, deadlines are then never reached. */
  constructor(visibilityMs: number) {
    this.#visibilityMs = visibilityMs;
  }

  get visibilityMs(): number {
    return this.#visibilityMs;
  }

  /** Holds what was received; returns the messages that are new to this process (the rest were redeliveries). */
  admit(messages: readonly SourceMessage[], now = Date.now()): SourceMessage[] {
    const deadline = this.#visibilityMs > 0 ? now + this.#visibilityMs : Number.POSITIVE_INFINITY;
    const fresh: SourceMessage[] = [];
    for (const message of messages) {
      const held = this.#byId.get(message.id);
      if (held === undefined) fresh.push(message);
      this.#byId.set(message.id, { message, deadline });
    }
    return fresh;
  }

  release(messages: readonly SourceMessage[]): void {
    for (const message of messages) this.#byId.delete(message.id);
  }

  /** The latest delivery of a held message (the one whose receipt handle works), or the message itself. */
  latest(message: SourceMessage): SourceMessage {
    return this.#byId.get(message.id)?.message ?? message;
  }

  /** The earliest time at which one of `messages` can no longer be deleted with the handle held for it. */
  earliestDeadline(messages: readonly SourceMessage[]): number {
    let earliest = Number.POSITIVE_INFINITY;
    for (const message of messages) earliest = Math.min(earliest, this.#byId.get(message.id)?.deadline ?? 0);
    return earliest;
  }

  /** Held messages whose visibility runs out within `withinMs`. */
  due(withinMs: number, now = Date.now()): SourceMessage[] {
    const due: SourceMessage[] = [];
    for (const held of this.#byId.values()) if (held.deadline - now <= withinMs) due.push(held.message);
    return due;
  }

  /** Their visibility was extended by a full timeout from `at`. */
  extended(messages: readonly SourceMessage[], at = Date.now()): void {
    for (const message of messages) {
      const held = this.#byId.get(message.id);
      if (held !== undefined && held.message.receiptHandle === message.receiptHandle)
        held.deadline = at + this.#visibilityMs;
    }
  }
}
