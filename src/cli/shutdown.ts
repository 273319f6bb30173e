import type { CliIo } from "./io.ts";

/** What a signal stops: the pipeline. */
export interface Stoppable {
  /** Graceful: stop receiving, commit and delete what is already received. */
  stop(): void;
  /** Forced: give up on what is not committed yet; it stays on the queue. */
  abandon(reason: Error): void;
}

export interface ShutdownOptions {
  /** How long a graceful stop may take before what is left is abandoned (--shutdown-timeout). */
  readonly timeoutMs: number;
  /** A second signal within this long of the first is the same signal, passed on by a parent. */
  readonly echoMs: number;
  /** Said once per step, through the run's logger. */
  readonly notice: (step: "finishing" | "exiting", signal: string) => void;
  /** The error a stop that outlasts timeoutMs ends the run with. */
  readonly timedOut: () => Error;
  /** The error a second signal ends the run with. */
  readonly interrupted: (signal: string) => Error;
}

/**
 * SIGINT and SIGTERM: the first stops the pipeline gracefully and starts the --shutdown-timeout clock; a second
 * one exits at once (130), leaving what is uncommitted to be redelivered. Listens from construction, so that a
 * signal during start-up is a graceful stop of the pipeline once it is attached, not a kill.
 */
export class Shutdown implements Disposable {
  readonly #io: Pick<CliIo, "signals" | "exitNow">;
  readonly #options: ShutdownOptions;
  #target: Stoppable | undefined;
  #signals = 0;
  #firstAt = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(io: Pick<CliIo, "signals" | "exitNow">, options: ShutdownOptions) {
    this.#io = io;
    this.#options = options;
    io.signals.on("SIGINT", this.#onSignal);
    io.signals.on("SIGTERM", this.#onSignal);
  }

  /** Whether a stop was asked for. */
  get requested(): boolean {
    return this.#signals > 0;
  }

  attach(target: Stoppable): void {
    this.#target = target;
    if (this.requested) target.stop();
  }

  [Symbol.dispose](): void {
    clearTimeout(this.#timer);
    this.#io.signals.off("SIGINT", this.#onSignal);
    this.#io.signals.off("SIGTERM", this.#onSignal);
  }

  readonly #onSignal = (signal: string): void => {
    // One Ctrl-C can arrive more than once: the terminal signals the whole process group, and npm/npx and
    // our launcher also pass it on to their child. Only a signal well after the first means "now".
    if (this.#signals > 0 && Date.now() - this.#firstAt < this.#options.echoMs) return;
    this.#signals++;
    if (this.#signals === 1) {
      this.#firstAt = Date.now();
      this.#options.notice("finishing", signal);
      this.#target?.stop();
      this.#timer = setTimeout(
        () => this.#target?.abandon(this.#options.timedOut()),
        this.#options.timeoutMs,
      );
      this.#timer.unref();
    } else {
      this.#target?.abandon(this.#options.interrupted(signal));
      this.#options.notice("exiting", signal);
      this.#io.exitNow(130);
    }
  };
}
