/**
 * An edge-triggered wake-up: a wait resolves on the next notify() after it began (or when its signal aborts); a
 * notify() with nobody waiting is not remembered, so callers check their condition before they wait.
 */
export class Notifier {
  #waiters: (() => void)[] = [];

  wait(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted === true) return resolve();
      const done = () => {
        signal?.removeEventListener("abort", done);
        resolve();
      };
      signal?.addEventListener("abort", done, { once: true });
      this.#waiters.push(done);
    });
  }

  notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
