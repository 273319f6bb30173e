import { backoffMs, sleep } from "../backoff.ts";
import { coerceError } from "../errors.ts";
import type { Acknowledger, SourceMessage } from "../source/message.ts";
import type { PipelineEvents } from "./events.ts";
import type { HeldMessages } from "./held-messages.ts";

/**
 * Entries SQS itself reports as Failed (an invalid receipt handle, say) are tried this many times: SQS answered,
 * so waiting longer will not help. So are deletes when the visibility timeout is not known.
 */
const DELETE_ATTEMPTS = 4;
/** Delete retries back off to at most this, so deletes resume within about a second of SQS coming back. */
const MAX_DELETE_BACKOFF_MS = 1000;

/**
 * Deletes committed messages through the Acknowledger, retrying. A receipt handle keeps working until its
 * visibility timeout runs out (and the heartbeat keeps extending it while the message is held), so a delete that
 * fails because SQS cannot be reached is retried until just before that deadline rather than given up on after a
 * second: giving up costs a full visibility timeout of waiting for the redelivery, which the ledger then skips.
 * Only a delete that still fails at the deadline (or after --max-retry-time) is counted as failed.
 */
export class Acknowledgements {
  readonly #acknowledger: Acknowledger;
  readonly #held: HeldMessages;
  readonly #events: PipelineEvents;
  readonly #maxRetryTimeMs: number;
  readonly #abandon: AbortSignal;

  constructor(
    acknowledger: Acknowledger,
    held: HeldMessages,
    events: PipelineEvents,
    options: { readonly maxRetryTimeMs: number; readonly abandon: AbortSignal },
  ) {
    this.#acknowledger = acknowledger;
    this.#held = held;
    this.#events = events;
    this.#maxRetryTimeMs = options.maxRetryTimeMs;
    this.#abandon = options.abandon;
  }

  /** Never throws: a delete that cannot be done is harmless (redelivered, skipped by the ledger) and counted. */
  async acknowledge(messages: readonly SourceMessage[]): Promise<void> {
    const started = Date.now();
    let remaining: readonly SourceMessage[] = messages;
    for (let attempt = 1; remaining.length > 0; attempt++) {
      let reason = "refused by SQS";
      let answered = true;
      try {
        // The latest delivery's receipt handle: an older one may no longer delete the message.
        const result = await this.#acknowledger.delete(remaining.map((m) => this.#held.latest(m)));
        this.#events.emit("deleted", result.deleted);
        remaining = result.failed;
      } catch (thrown) {
        reason = coerceError(thrown).message;
        answered = false;
      }
      if (remaining.length === 0) return;
      const delayMs = backoffMs(attempt, 200, MAX_DELETE_BACKOFF_MS);
      const retry = answered
        ? attempt < DELETE_ATTEMPTS
        : this.#worthRetrying(remaining, attempt, started, delayMs);
      if (this.#abandon.aborted || !retry) {
        this.#events.emit("deleteFailed", remaining.length, reason);
        return;
      }
      await sleep(delayMs, this.#abandon);
    }
  }

  #worthRetrying(remaining: readonly SourceMessage[], attempt: number, started: number, delayMs: number) {
    const now = Date.now();
    if (now + delayMs - started >= this.#maxRetryTimeMs) return false;
    if (this.#held.visibilityMs === 0) return attempt < DELETE_ATTEMPTS;
    // Stop a little before the handle expires: past it the delete would "succeed" without deleting anything.
    const margin = Math.min(1000, this.#held.visibilityMs / 4);
    return now + delayMs + margin < this.#held.earliestDeadline(remaining);
  }
}
