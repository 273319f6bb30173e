import { sleep } from "../backoff.ts";
import { coerceError, SecureLogError } from "../errors.ts";
import { isSinkRefusal, sinkRefused } from "../reject-reason.ts";
import type { SourceMessage } from "../source/message.ts";
import type { BatchWriter, Rejection } from "./batch-writer.ts";
import type { PipelineEvents } from "./events.ts";
import { RetryWindow } from "./retry-window.ts";

/** Write retries back off to at most this: a database outage is usually longer, and every retry is a connect. */
const MAX_WRITE_BACKOFF_MS = 10_000;

export interface BatchCommitterDeps {
  readonly writer: BatchWriter;
  readonly events: PipelineEvents;
  readonly maxRetryTimeMs: number;
  /** Aborted on a forced stop or a fatal error: retry sleeps end and the batch is left on the queue. */
  readonly abandon: AbortSignal;
  /** Ends the run with this error. */
  readonly fail: (error: Error) => void;
}

/** A writer is expected to throw SecureLogErrors; anything else is a bug there, and ends the run. */
function asWriteError(thrown: unknown): SecureLogError {
  if (thrown instanceof SecureLogError) return thrown;
  return new SecureLogError("sink_failed", `writing a batch failed: ${coerceError(thrown).message}`, {
    cause: thrown,
  });
}

function databaseGaveOut(error: SecureLogError, retry: RetryWindow): SecureLogError {
  return new SecureLogError(
    "database_unreachable",
    `PostgreSQL has been failing for ${retry.failingForSeconds} s (${error.message}); giving up. Nothing uncommitted was deleted: those messages return to the queue.`,
    { cause: error },
  );
}

function newestSent(messages: readonly SourceMessage[]): number | undefined {
  let newest: number | undefined;
  for (const m of messages)
    if (m.sentTimestampMs !== undefined && (newest === undefined || m.sentTimestampMs > newest))
      newest = m.sentTimestampMs;
  return newest;
}

/**
 * Commits a batch whatever the database does: retries outages within --max-retry-time (this is the one layer
 * that retries a write), and isolates a value PostgreSQL refuses so that one bad message never blocks the rest.
 */
export class BatchCommitter {
  readonly #deps: BatchCommitterDeps;

  constructor(deps: BatchCommitterDeps) {
    this.#deps = deps;
  }

  /** Writes a batch, retrying outages and isolating refused rows. False when the run is over. */
  async commit(batch: readonly SourceMessage[], rejectAs?: Rejection): Promise<boolean> {
    const { writer, events, abandon } = this.#deps;
    const retry = new RetryWindow(this.#deps.maxRetryTimeMs, MAX_WRITE_BACKOFF_MS);
    for (;;) {
      const started = performance.now();
      let error: SecureLogError;
      try {
        const result = await writer.write(batch, rejectAs);
        events.emit("committed", {
          ...result,
          durationMs: performance.now() - started,
          newestSentMs: newestSent(batch),
        });
        // Said only once stored: the rejection itself may still be refused and fall back to a minimal one.
        if (rejectAs !== undefined) events.emit("isolated", rejectAs.reason, rejectAs.detail);
        return true;
      } catch (thrown) {
        error = asWriteError(thrown);
      }
      if (error.disposition === "data") return this.#isolate(batch, error, rejectAs);
      const step = error.disposition === "retry" ? retry.failed() : undefined;
      if (step === undefined) {
        this.#deps.fail(error.disposition === "retry" ? databaseGaveOut(error, retry) : error);
        return false;
      }
      if (abandon.aborted) return false;
      events.emit("sinkRetry", { ...step, error: error.message });
      await sleep(step.delayMs, abandon);
      if (abandon.aborted) return false;
    }
  }

  /**
   * PostgreSQL refused a value somewhere in the batch. Halve until the message responsible is alone, then store
   * it as a rejection, so one bad message never blocks the others (log2(batch) extra transactions). Should even
   * its rejection be refused, a minimal one (reason, digest, sizes; no body) is stored instead: nothing inside a
   * message may stop the pipeline.
   */
  async #isolate(
    batch: readonly SourceMessage[],
    error: SecureLogError,
    rejectAs?: Rejection,
  ): Promise<boolean> {
    if (batch.length > 1) {
      const middle = Math.ceil(batch.length / 2);
      return (
        (await this.commit(batch.slice(0, middle), rejectAs)) &&
        (await this.commit(batch.slice(middle), rejectAs))
      );
    }
    if (rejectAs?.detail === "minimal") {
      this.#deps.fail(
        new SecureLogError(
          "sink_failed",
          `PostgreSQL refused even a minimal rejection record: ${error.message}`,
        ),
      );
      return false;
    }
    const fallback: Rejection =
      rejectAs === undefined
        ? { reason: isSinkRefusal(error.code) ? error.code : sinkRefused(undefined), detail: "full" }
        : { reason: rejectAs.reason, detail: "minimal" };
    return this.commit(batch, fallback);
  }
}
