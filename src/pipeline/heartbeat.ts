import { coerceError } from "../errors.ts";
import type { MessageSource } from "../source/message.ts";
import type { PipelineEvents } from "./events.ts";
import type { HeldMessages } from "./held-messages.ts";

/**
 * Keeps received messages invisible to other consumers while they wait for a slow or unavailable database, or
 * for their delete: any held message within half its visibility timeout of the deadline gets another full
 * timeout (ChangeMessageVisibilityBatch). Without it, every slow batch would be delivered again to another
 * poller or replica, multiplying the load exactly when the database is struggling, and a committed message
 * whose delete is being retried would lose its receipt handle. The ledger would keep the result right; this
 * keeps it cheap.
 */
export class VisibilityHeartbeat {
  readonly #source: Required<Pick<MessageSource, "extend">>;
  readonly #held: HeldMessages;
  readonly #events: PipelineEvents;
  #timer: NodeJS.Timeout | undefined;
  #beating = false;

  constructor(source: Required<Pick<MessageSource, "extend">>, held: HeldMessages, events: PipelineEvents) {
    this.#source = source;
    this.#held = held;
    this.#events = events;
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.#beat(), Math.max(200, this.#held.visibilityMs / 4));
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #beat(): Promise<void> {
    if (this.#beating) return;
    const visibilityMs = this.#held.visibilityMs;
    const due = this.#held.due(visibilityMs / 2);
    if (due.length === 0) return;
    this.#beating = true;
    try {
      const at = Date.now();
      await this.#source.extend(due, Math.ceil(visibilityMs / 1000));
      this.#held.extended(due, at);
      this.#events.emit("extended", due.length);
    } catch (error) {
      this.#events.emit("extendFailed", due.length, coerceError(error).message);
    } finally {
      this.#beating = false;
    }
  }
}
