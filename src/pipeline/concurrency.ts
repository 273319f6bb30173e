/**
 * How many receives run at once. One poller brings at most ten messages per round trip, so the number needed
 * depends on the network: on loopback a dozen saturate SecureLog, 20 ms away it takes dozens. Nobody should have
 * to know that, so the number adapts, as TCP's congestion window does: a slow start doubles it while receives
 * come back full and the rate rises; when held messages reach their bound (receives outrun the database) it
 * drops by a quarter and that level becomes the threshold, above which it grows by one a window only. Receives
 * that come back short (the queue is draining or idle) halve it. Holding the number at its bound instead, as an
 * earlier version did, let noise in the rate double it to 128 on loopback, where two thousand messages then sat
 * in memory waiting: more garbage-collection time for nothing (docs/benchmarks.md). A rate that
 * drops in one window is not taken as a reason to shrink: at 20 ms a window holds a dozen round trips, and
 * backing off on that noise kept the number oscillating below what the link needed.
 */
export interface ConcurrencyOptions {
  /** Where it starts. */
  readonly initial: number;
  /** Never more than this (--max-concurrency); never fewer than one. */
  readonly max: number;
  /** A pinned number (--concurrency): never changes. */
  readonly pinned: boolean;
}

export interface ReceiveSample {
  /** Messages asked for and received. */
  readonly asked: number;
  readonly got: number;
}

/** Decides the number from what the last window of receives brought. Pure: the caller owns the clock. */
export class ConcurrencyController {
  #target: number;
  readonly #options: ConcurrencyOptions;
  #receives = 0;
  #full = 0;
  #messages = 0;
  #lastRate = 0;
  /** Where held messages last reached their bound: above it, growth is one a window (TCP's ssthresh). */
  #threshold = Number.POSITIVE_INFINITY;

  constructor(options: ConcurrencyOptions) {
    this.#options = options;
    this.#target = Math.min(Math.max(1, options.initial), options.max);
  }

  get target(): number {
    return this.#target;
  }

  record(sample: ReceiveSample): void {
    this.#receives++;
    this.#messages += sample.got;
    if (sample.got >= sample.asked) this.#full++;
  }

  /**
   * Ends a window of `seconds`; `saturated` when held messages are at their bound. Returns the new target.
   * Mostly short receives: halve. At the bound: down a quarter, and remember the level. Full receives below that
   * level with a rising rate: double; otherwise full: one more. Too few receives to judge: hold.
   */
  adjust(seconds: number, saturated: boolean): number {
    const receives = this.#receives;
    const fullShare = receives === 0 ? 0 : this.#full / receives;
    const rate = this.#messages / seconds;
    this.#receives = 0;
    this.#full = 0;
    this.#messages = 0;
    if (this.#options.pinned || receives < Math.min(this.#target, 4)) return this.#target;
    const { max } = this.#options;
    if (fullShare < 0.5) this.#target = Math.max(1, Math.floor(this.#target / 2));
    else if (saturated) {
      this.#target = Math.max(1, Math.floor((this.#target * 3) / 4));
      this.#threshold = this.#target;
    } else if (fullShare >= 0.9 && this.#target < this.#threshold && rate > this.#lastRate * 1.05)
      this.#target = Math.min(max, this.#threshold, this.#target * 2);
    else if (fullShare >= 0.9) this.#target = Math.min(max, this.#target + 1);
    this.#lastRate = rate;
    return this.#target;
  }
}
