import { coerceError } from "../errors.ts";
import type { MessageSource, SourceMessage } from "../source/message.ts";
import type { PipelineEvents } from "./events.ts";

/**
 * Keeps received messages invisible to other consumers while they wait for a slow or unavailable database:
 * any message held for half its visibility timeout gets another full timeout (ChangeMessageVisibilityBatch).
 * Without it, every slow batch would be delivered again to another poller or replica, multiplying the load
 * exactly when the database is struggling. The ledger would keep the result right; this keeps it cheap.
 */
export class VisibilityHeartbeat {
  readonly #source: Required<Pick<MessageSource, "extend">>;
  readonly #visibilityMs: number;
  readonly #events: PipelineEvents;
  readonly #held = new Map<string, { message: SourceMessage; deadline: number }>();
  #timer: NodeJS.Timeout | undefined;
  #beating = false;

  constructor(source: Required<Pick<MessageSource, "extend">>, visibilityMs: number, events: PipelineEvents) {
    this.#source = source;
    this.#visibilityMs = visibilityMs;
    this.#events = events;
  }

  track(messages: readonly SourceMessage[]): void {
    const deadline = Date.now() + this.#visibilityMs;
    for (const message of messages) this.#held.set(message.receiptHandle, { message, deadline });
  }

  release(messages: readonly SourceMessage[]): void {
    for (const message of messages) this.#held.delete(message.receiptHandle);
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.#beat(), Math.max(200, this.#visibilityMs / 4));
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #beat(): Promise<void> {
    if (this.#beating) return;
    const now = Date.now();
    const due = [...this.#held.values()].filter((entry) => entry.deadline - now <= this.#visibilityMs / 2);
    if (due.length === 0) return;
    this.#beating = true;
    try {
      await this.#source.extend(
        due.map((entry) => entry.message),
        Math.ceil(this.#visibilityMs / 1000),
      );
      const deadline = Date.now() + this.#visibilityMs;
      for (const entry of due) entry.deadline = deadline;
      this.#events.emit("extended", due.length);
    } catch (error) {
      this.#events.emit("extendFailed", due.length, coerceError(error).message);
    } finally {
      this.#beating = false;
    }
  }
}
