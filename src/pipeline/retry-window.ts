import { backoffMs } from "../backoff.ts";

/** The wait before the next attempt, and which attempt that will be (1 for the first retry). */
export interface RetryStep {
  readonly attempt: number;
  readonly delayMs: number;
}

/**
 * How long a failure may go on before a loop gives up: both the receive loop and the write loop retry an outage
 * with jittered backoff until it has lasted --max-retry-time, measured from its first failure, and start afresh
 * after a success.
 */
export class RetryWindow {
  readonly #maxMs: number;
  readonly #capMs: number;
  readonly #now: () => number;
  #attempt = 0;
  #failingSince: number | undefined;

  constructor(maxMs: number, capMs: number, now: () => number = Date.now) {
    this.#maxMs = maxMs;
    this.#capMs = capMs;
    this.#now = now;
  }

  /** Records a failure: the step to take, or undefined once the failure has lasted the whole window. */
  failed(): RetryStep | undefined {
    const now = this.#now();
    this.#failingSince ??= now;
    if (now - this.#failingSince >= this.#maxMs) return undefined;
    const delayMs = backoffMs(this.#attempt++, 200, this.#capMs);
    return { attempt: this.#attempt, delayMs };
  }

  /** How long the current failure has lasted, in whole seconds. */
  get failingForSeconds(): number {
    return this.#failingSince === undefined ? 0 : Math.round((this.#now() - this.#failingSince) / 1000);
  }

  succeeded(): void {
    this.#attempt = 0;
    this.#failingSince = undefined;
  }
}
