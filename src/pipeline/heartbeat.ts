import { coerceError } from "../errors.ts";
import type { MessageSource } from "../source/message.ts";
import type { PipelineEvents } from "./events.ts";
import type { HeldMessages } from "./held-messages.ts";

/**
 * Keeps received messages invisible to other consumers while they wait for a slow or unavailable database, or
 * for their delete: any held message within half its lease of the deadline gets another full lease
 * (ChangeMessageVisibilityBatch). Messages are received on a short lease (DEFAULT_LEASE_SECONDS), so one loaded
 * and deleted in milliseconds is never extended, and a dead process's messages return to the others quickly.
 * Without it, every slow batch would be delivered again to another poller or replica, multiplying the load
 * exactly when the database is struggling, and a committed message whose delete is being retried would lose its
 * receipt handle. The ledger would keep the result right; this keeps it cheap.
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
      const refused = new Set(await this.#source.extend(due, Math.ceil(visibilityMs / 1000)));
      // Only what SQS took is renewed: the delete deadlines (acknowledgements.ts) are computed from these.
      const renewed = refused.size === 0 ? due : due.filter((m) => !refused.has(m));
      this.#held.extended(renewed, at);
      if (renewed.length > 0) this.#events.emit("extended", renewed.length);
      if (refused.size > 0) this.#events.emit("extendFailed", refused.size, "refused by SQS");
    } catch (error) {
      this.#events.emit("extendFailed", due.length, coerceError(error).message);
    } finally {
      this.#beating = false;
    }
  }
}
