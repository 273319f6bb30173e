import { sleep } from "../backoff.ts";
import { coerceError, SecureLogError } from "../errors.ts";
import type { MessageSource, SourceMessage } from "../source/message.ts";
import type { ConcurrencyController } from "./concurrency.ts";
import type { PipelineEvents } from "./events.ts";
import type { InFlightBudget } from "./in-flight-budget.ts";
import { RetryWindow } from "./retry-window.ts";

/** Receive retries back off to at most this, so polling resumes within a few seconds of SQS coming back. */
const MAX_RECEIVE_BACKOFF_MS = 2000;

export interface ReceiverDeps {
  readonly source: MessageSource;
  readonly budget: InFlightBudget;
  readonly concurrency: ConcurrencyController;
  readonly events: PipelineEvents;
  readonly maxRetryTimeMs: number;
  /** Aborted when polling stops: a receive or a backoff sleep under way ends. */
  readonly signal: AbortSignal;
  /** Ends the run with this error. */
  readonly fail: (error: Error) => void;
}

/**
 * One poller's receives: within the in-flight budget, and retried through an SQS outage for --max-retry-time
 * (this layer owns retrying a receive: the wire tries it once).
 */
export class Receiver {
  readonly #deps: ReceiverDeps;
  readonly #retry: RetryWindow;

  constructor(deps: ReceiverDeps) {
    this.#deps = deps;
    this.#retry = new RetryWindow(deps.maxRetryTimeMs, MAX_RECEIVE_BACKOFF_MS);
  }

  /**
   * One receive. Undefined when there was no room (after waiting for some) or the receive failed (after backing
   * off, or failing the run once the outage outlasts --max-retry-time).
   */
  async receive(): Promise<readonly SourceMessage[] | undefined> {
    const { budget, signal } = this.#deps;
    const size = budget.nextReceive();
    if (!budget.reserve(size)) {
      await budget.waitForRoom(signal);
      return undefined;
    }
    let failure: Error;
    try {
      const messages = await this.#deps.source.receive(signal, size.count);
      this.#deps.concurrency.record({ asked: size.count, got: messages.length });
      this.#retry.succeeded();
      return messages;
    } catch (thrown) {
      failure = coerceError(thrown);
    } finally {
      budget.unreserve(size);
    }
    if (signal.aborted) return undefined;
    const step =
      failure instanceof SecureLogError && failure.disposition === "retry" ? this.#retry.failed() : undefined;
    if (step === undefined) {
      this.#deps.fail(failure);
      return undefined;
    }
    this.#deps.events.emit("sourceRetry", { ...step, error: failure.message });
    await sleep(step.delayMs, signal);
    return undefined;
  }
}
