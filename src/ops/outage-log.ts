import type { Logger } from "pino";

export interface OutageLogOptions {
  /** The first line of an outage, given the first error: what operators and tests look for. */
  readonly first: (error: string) => string;
  /** What failed, for the summary and recovery lines ("SQS receive", "database write"). */
  readonly what: string;
  /** At most one summary line this often while the failure lasts. */
  readonly intervalMs?: number;
  readonly now?: () => number;
}

/** While a failure lasts, at most one summary line this often (Vector rate-limits its internal logs the same way). */
export const OUTAGE_LOG_INTERVAL_MS = 10_000;

/**
 * The log of one kind of failure (SQS receives, database writes, deletes, visibility changes) during an outage:
 * the first failure as it happens, then at most one line every 10 s while it lasts (how many more, and the last
 * error), then one line when it recovers. Every poller retrying on its own backoff used to log each attempt, a
 * line a poller every second or two for as long as the outage lasted (up to the 300 s retry window). The metrics
 * still count every failure.
 */
export class OutageLog {
  readonly #logger: Logger;
  readonly #options: OutageLogOptions;
  readonly #intervalMs: number;
  readonly #now: () => number;
  #since: number | undefined;
  #lastLineAt = 0;
  /** Failures since the last line. */
  #unreported = 0;
  #total = 0;
  #lastError = "";

  constructor(logger: Logger, options: OutageLogOptions) {
    this.#logger = logger;
    this.#options = options;
    this.#intervalMs = options.intervalMs ?? OUTAGE_LOG_INTERVAL_MS;
    this.#now = options.now ?? Date.now;
  }

  failed(error: string, fields: Record<string, unknown> = {}): void {
    const now = this.#now();
    this.#total++;
    this.#lastError = error;
    if (this.#since === undefined) {
      this.#since = now;
      this.#lastLineAt = now;
      this.#unreported = 0;
      this.#logger.warn(fields, this.#options.first(error));
      return;
    }
    this.#unreported++;
    if (now - this.#lastLineAt < this.#intervalMs) return;
    const seconds = Math.round((now - this.#since) / 1000);
    this.#logger.warn(
      { failures: this.#unreported, failingForSeconds: seconds },
      `${this.#options.what} still failing after ${seconds} s: ${this.#unreported} more failures since the last line (last: ${this.#lastError})`,
    );
    this.#lastLineAt = now;
    this.#unreported = 0;
  }

  succeeded(): void {
    if (this.#since === undefined) return;
    const seconds = Math.round((this.#now() - this.#since) / 1000);
    this.#logger.info(
      { failures: this.#total, failedForSeconds: seconds },
      `${this.#options.what} recovered after ${seconds} s (${this.#total} failures)`,
    );
    this.#since = undefined;
    this.#total = 0;
    this.#unreported = 0;
  }
}
