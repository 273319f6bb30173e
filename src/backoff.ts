import { setTimeout as delay } from "node:timers/promises";

/**
 * Capped exponential backoff with jitter, for every retry loop (the pipeline's and the SQS wire's): spreads the
 * retries of many replicas after a shared outage.
 */
export function backoffMs(
  attempt: number,
  baseMs = 200,
  capMs = 10_000,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Sleeps, returning early (without throwing) when the signal aborts. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted === true) return;
  try {
    await delay(ms, undefined, signal === undefined ? {} : { signal });
  } catch (error) {
    if ((error as { name?: string }).name !== "AbortError") throw error;
  }
}
