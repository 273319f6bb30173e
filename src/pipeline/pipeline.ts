import { sleep } from "../backoff.ts";
import { coerceError, SecureLogError } from "../errors.ts";
import { isSinkRefusal, sinkRefused } from "../reject-reason.ts";
import type { Acknowledger, MessageSource, SourceMessage } from "../source/message.ts";
import { Acknowledgements } from "./acknowledgements.ts";
import type { BatchWriter, Rejection } from "./batch-writer.ts";
import { ConcurrencyController } from "./concurrency.ts";
import type { PipelineEvents } from "./events.ts";
import { VisibilityHeartbeat } from "./heartbeat.ts";
import { HeldMessages } from "./held-messages.ts";
import { Notifier } from "./notifier.ts";
import { RetryWindow } from "./retry-window.ts";

export interface PipelineOptions {
  /** Concurrent receives: where they start, or the pinned number when maxConcurrency is absent. */
  readonly concurrency: number;
  /** Adapt the number of concurrent receives between 1 and this (concurrency.ts); absent: pinned. */
  readonly maxConcurrency?: number;
  /** Most messages in one sink statement. */
  readonly batchSize: number;
  /** Most message body bytes in one sink statement (a batch always takes at least one message). */
  readonly batchBytes: number;
  /** Concurrent sink transactions. */
  readonly writers: number;
  /** Received-but-not-deleted messages at which pollers pause (bounds memory on a large backlog). */
  readonly maxInFlight: number;
  /** The same bound in body characters: SQS messages may be 256 KiB or more, and count alone does not bound memory. */
  readonly maxInFlightBytes: number;
  /** How long a retryable failure (database or SQS down) may last before the run gives up. */
  readonly maxRetryTimeMs: number;
  /** Stop once every poller has come back empty from a long poll and nothing else is in flight on the queue. */
  readonly untilEmpty: boolean;
  /** The visibility timeout messages are received with; enables the heartbeat when the source can extend. */
  readonly visibilityTimeoutMs?: number;
}

export interface PipelineDeps {
  readonly source: MessageSource;
  /** Deletes what is committed. */
  readonly acknowledger: Acknowledger;
  /** Transforms and commits batches. */
  readonly writer: BatchWriter;
  readonly events: PipelineEvents;
}

/** How often the number of concurrent receives is reconsidered. */
const ADAPT_EVERY_MS = 250;

/** How long a draining poller waits after an empty receive while messages are in flight elsewhere. */
const IDLE_DRAIN_POLL_MS = 250;

/** SQS's ReceiveMessage returns at most ten messages. */
const RECEIVE_MAX_MESSAGES = 10;
/** Body characters one receive should bring at most, when the messages are large enough for it to matter. */
const RECEIVE_BYTES = 1024 * 1024;

/** Receive retries back off to at most this, so polling resumes within a few seconds of SQS coming back. */
const MAX_RECEIVE_BACKOFF_MS = 2000;
/** Write retries back off to at most this: a database outage is usually longer, and every retry is a connect. */
const MAX_WRITE_BACKOFF_MS = 10_000;

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

function bodyLength(messages: readonly SourceMessage[]): number {
  let length = 0;
  for (const message of messages) length += message.body.length;
  return length;
}

function newestSent(messages: readonly SourceMessage[]): number | undefined {
  let newest: number | undefined;
  for (const m of messages)
    if (m.sentTimestampMs !== undefined && (newest === undefined || m.sentTimestampMs > newest))
      newest = m.sentTimestampMs;
  return newest;
}

/**
 * receive → transform → write → delete, with the one rule that makes it safe: a message is deleted only after
 * the transaction holding its row or rejection has committed. Whatever fails before that (database down,
 * process killed), the message is still on the queue and comes back after its visibility timeout; the
 * ledger makes a second delivery of an already-committed message a no-op.
 *
 * Pollers put received messages in a shared buffer; writers take up to batchSize at a time and hand them to the
 * BatchWriter, which transforms and commits them. Under load the buffer fills while a transaction runs, so
 * batches grow by themselves; when idle they stay small and fast.
 */
export class Pipeline {
  readonly #deps: PipelineDeps;
  readonly #options: PipelineOptions;
  /** Aborts receives and backoff sleeps of pollers: on stop() and on a fatal error. */
  readonly #stopPolling = new AbortController();
  /** Aborts sink retry sleeps: only on a forced stop or a fatal error. */
  readonly #abandon = new AbortController();
  readonly #work = new Notifier();
  readonly #capacity = new Notifier();
  readonly #acks = new Set<Promise<void>>();
  #buffer: SourceMessage[] = [];
  #inFlight = 0;
  #inFlightBytes = 0;
  /** Body characters that receives under way may bring (see #roomToReceive). */
  #reservedBytes = 0;
  /** A body length to expect: quick to rise to the largest seen, slow to fall back. */
  #typicalBodyLength = 2048;
  #awaitingDelete = 0;
  #pollersDone = false;
  #fatal: Error | undefined;
  readonly #held: HeldMessages;
  readonly #heartbeat: VisibilityHeartbeat | undefined;
  readonly #acknowledgements: Acknowledgements;
  readonly #concurrency: ConcurrencyController;
  readonly #pollersChanged = new Notifier();
  /** A drain found the queue empty: parked pollers may leave. */
  #drained = false;

  constructor(deps: PipelineDeps, options: PipelineOptions) {
    this.#deps = deps;
    this.#options = options;
    const { source } = deps;
    const visibilityMs = options.visibilityTimeoutMs ?? 0;
    this.#held = new HeldMessages(visibilityMs);
    this.#heartbeat =
      source.extend !== undefined && visibilityMs > 0
        ? new VisibilityHeartbeat({ extend: source.extend.bind(source) }, this.#held, deps.events)
        : undefined;
    this.#concurrency = new ConcurrencyController({
      initial: options.concurrency,
      max: options.maxConcurrency ?? options.concurrency,
      pinned: options.maxConcurrency === undefined,
    });
    this.#acknowledgements = new Acknowledgements(deps.acknowledger, this.#held, deps.events, {
      maxRetryTimeMs: options.maxRetryTimeMs,
      abandon: this.#abandon.signal,
    });
  }

  /** Messages received and not yet deleted (or given back). */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Messages whose outcome is committed but whose delete has not completed yet (a gauge for metrics). */
  get awaitingDelete(): number {
    return this.#awaitingDelete;
  }

  /** Concurrent receives now (concurrency.ts). */
  get concurrency(): number {
    return this.#concurrency.target;
  }

  /** Resolves when drained (--until-empty) or stopped; rejects with the error that ended the run. */
  async run(): Promise<void> {
    this.#heartbeat?.start();
    const adapting = setInterval(() => this.#adaptConcurrency(), ADAPT_EVERY_MS);
    adapting.unref();
    try {
      const writers = Array.from({ length: this.#options.writers }, () => this.#writeLoop());
      const loops = this.#options.maxConcurrency ?? this.#options.concurrency;
      await Promise.all(Array.from({ length: loops }, (_, i) => this.#pollLoop(i)));
      this.#pollersDone = true;
      this.#work.notify();
      await Promise.all(writers);
      while (this.#acks.size > 0) await Promise.all(this.#acks);
    } finally {
      clearInterval(adapting);
      this.#heartbeat?.stop();
    }
    if (this.#fatal !== undefined) throw this.#fatal;
  }

  #adaptConcurrency(): void {
    const before = this.#concurrency.target;
    const saturated =
      this.#inFlight >= this.#options.maxInFlight * 0.9 ||
      this.#inFlightBytes >= this.#options.maxInFlightBytes * 0.9;
    const after = this.#concurrency.adjust(ADAPT_EVERY_MS / 1000, saturated);
    if (after === before) return;
    this.#pollersChanged.notify();
    this.#deps.events.emit("concurrency", after);
  }

  /** Graceful: stop receiving, commit and delete what is already received. */
  stop(): void {
    this.#stopPolling.abort();
    this.#wakeAll();
  }

  /**
   * Wakes every waiting loop, which then sees that polling stopped. Waits take no abort signal: stop() and a
   * failure wake them here instead (an abort listener added and removed on every wait cost about 2% of the
   * receiving side's CPU).
   */
  #wakeAll(): void {
    this.#work.notify();
    this.#capacity.notify();
    this.#pollersChanged.notify();
  }

  /** Forced: also give up on batches still waiting for the database; they stay on the queue. */
  abandon(reason: Error): void {
    this.#fail(reason);
  }

  #fail(error: Error): void {
    this.#fatal ??= error;
    this.#stopPolling.abort();
    this.#abandon.abort();
    this.#wakeAll();
  }

  async #pollLoop(index: number): Promise<void> {
    const signal = this.#stopPolling.signal;
    const retry = new RetryWindow(this.#options.maxRetryTimeMs, MAX_RECEIVE_BACKOFF_MS);
    while (!signal.aborted) {
      // Pollers beyond the current target wait to be needed (or for the drain to end).
      if (index >= this.#concurrency.target) {
        if (this.#drained) break;
        await this.#pollersChanged.wait();
        continue;
      }
      const messages = await this.#receive(signal, retry);
      if (messages === undefined) continue;
      this.#deps.events.emit("polled", messages.length);
      if (messages.length > 0) this.#hold(messages);
      else if (await this.#foundEmpty(signal)) break;
    }
  }

  /**
   * One receive within the memory bounds. Undefined when there was no room (after waiting for some) or the
   * receive failed (after backing off, or failing the run once the outage outlasts --max-retry-time).
   */
  async #receive(signal: AbortSignal, retry: RetryWindow): Promise<readonly SourceMessage[] | undefined> {
    // Large messages are received fewer at a time: one response, its text and its parsed form are all in
    // memory at once, three copies of up to ten 1 MiB bodies per poller.
    const count = Math.max(
      1,
      Math.min(RECEIVE_MAX_MESSAGES, Math.floor(RECEIVE_BYTES / this.#typicalBodyLength)),
    );
    const reservation = count * this.#typicalBodyLength;
    if (!this.#roomToReceive(reservation)) {
      await this.#capacity.wait();
      return undefined;
    }
    let failure: Error;
    this.#reservedBytes += reservation;
    try {
      const messages = await this.#deps.source.receive(signal, count);
      this.#concurrency.record({ asked: count, got: messages.length });
      retry.succeeded();
      return messages;
    } catch (thrown) {
      failure = coerceError(thrown);
    } finally {
      this.#reservedBytes -= reservation;
      this.#capacity.notify();
    }
    if (signal.aborted) return undefined;
    const step =
      failure instanceof SecureLogError && failure.disposition === "retry" ? retry.failed() : undefined;
    if (step === undefined) {
      this.#fail(failure);
      return undefined;
    }
    this.#deps.events.emit("sourceRetry", { ...step, error: failure.message });
    await sleep(step.delayMs, signal);
    return undefined;
  }

  /** Takes received messages into the buffer the writers take batches from. */
  #hold(messages: readonly SourceMessage[]): void {
    const fresh = this.#held.admit(messages);
    if (fresh.length < messages.length) this.#deps.events.emit("redelivered", messages.length - fresh.length);
    if (fresh.length === 0) return;
    const length = bodyLength(fresh);
    this.#typicalBodyLength = Math.max(length / fresh.length, this.#typicalBodyLength * 0.95, 256);
    this.#inFlight += fresh.length;
    this.#inFlightBytes += length;
    this.#deps.events.emit("received", fresh.length);
    for (const message of fresh) this.#buffer.push(message);
    this.#work.notify();
  }

  /** After an empty receive: true when a drain is over and this poller may leave. */
  async #foundEmpty(signal: AbortSignal): Promise<boolean> {
    if (!this.#options.untilEmpty) return false;
    if (await this.#isDrained()) {
      this.#drained = true;
      this.#pollersChanged.notify();
      return true;
    }
    // A drain short-polls (so that an empty queue ends it at once); when messages are still in flight
    // elsewhere, wait a little before asking again instead of spinning on empty receives.
    await sleep(IDLE_DRAIN_POLL_MS, signal);
    return false;
  }

  /**
   * Whether a poller may receive now. Messages held count against --max-in-flight and the byte bound, and so do
   * receives under way, each reserving ten messages of the size lately seen: eight pollers receiving ten 1 MiB
   * messages each would otherwise bring 80 MiB past any bound at once. Something may always be received when
   * nothing is held or under way, so a single message larger than the bound still gets through.
   */
  #roomToReceive(reservation: number): boolean {
    if (this.#inFlight >= this.#options.maxInFlight) return false;
    const committed = this.#inFlightBytes + this.#reservedBytes;
    return committed === 0 || committed + reservation <= this.#options.maxInFlightBytes;
  }

  /**
   * An empty receive is not yet an empty queue: messages may be in flight with another consumer (or one that
   * died and whose messages come back after their visibility timeout). Drained means nothing is left on the
   * queue but what this pipeline itself still holds.
   */
  async #isDrained(): Promise<boolean> {
    const { source } = this.#deps;
    if (source.pending === undefined) return true;
    try {
      return (await source.pending()) <= this.#inFlight;
    } catch {
      return false; // the next receive fails too, and its retry rules apply
    }
  }

  async #writeLoop(): Promise<void> {
    while (this.#fatal === undefined) {
      if (this.#buffer.length === 0) {
        if (this.#pollersDone) return;
        await this.#work.wait();
        continue;
      }
      const batch = this.#buffer.splice(0, this.#nextBatchLength());
      if (!(await this.#commit(batch))) return;
      const ack = this.#acknowledge(batch);
      this.#acks.add(ack);
      void ack.finally(() => this.#acks.delete(ack));
    }
  }

  /** How many buffered messages the next batch takes: up to batchSize messages and batchBytes of bodies. */
  #nextBatchLength(): number {
    const { batchSize, batchBytes } = this.#options;
    let bytes = 0;
    let length = 0;
    for (const message of this.#buffer) {
      if (length >= batchSize) break;
      bytes += Buffer.byteLength(message.body);
      if (length > 0 && bytes > batchBytes) break;
      length++;
    }
    return length;
  }

  /** Writes a batch, retrying outages and isolating refused rows. False when the run is over. */
  async #commit(batch: readonly SourceMessage[], rejectAs?: Rejection): Promise<boolean> {
    const retry = new RetryWindow(this.#options.maxRetryTimeMs, MAX_WRITE_BACKOFF_MS);
    for (;;) {
      const started = performance.now();
      let error: SecureLogError;
      try {
        const result = await this.#deps.writer.write(batch, rejectAs);
        this.#deps.events.emit("committed", {
          ...result,
          durationMs: performance.now() - started,
          newestSentMs: newestSent(batch),
        });
        // Said only once stored: the rejection itself may still be refused and fall back to a minimal one.
        if (rejectAs !== undefined) this.#deps.events.emit("isolated", rejectAs.reason, rejectAs.detail);
        return true;
      } catch (thrown) {
        error = asWriteError(thrown);
      }
      if (error.disposition === "data") return this.#isolate(batch, error, rejectAs);
      const step = error.disposition === "retry" ? retry.failed() : undefined;
      if (step === undefined) {
        this.#fail(error.disposition === "retry" ? databaseGaveOut(error, retry) : error);
        return false;
      }
      if (this.#abandon.signal.aborted) return false;
      this.#deps.events.emit("sinkRetry", { ...step, error: error.message });
      await sleep(step.delayMs, this.#abandon.signal);
      if (this.#abandon.signal.aborted) return false;
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
        (await this.#commit(batch.slice(0, middle), rejectAs)) &&
        (await this.#commit(batch.slice(middle), rejectAs))
      );
    }
    if (rejectAs?.detail === "minimal") {
      this.#fail(
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
    return this.#commit(batch, fallback);
  }

  /** Deletes committed messages (see Acknowledgements), then lets go of them. */
  async #acknowledge(messages: readonly SourceMessage[]): Promise<void> {
    this.#awaitingDelete += messages.length;
    try {
      await this.#acknowledgements.acknowledge(messages);
    } finally {
      this.#awaitingDelete -= messages.length;
      this.#inFlight -= messages.length;
      this.#inFlightBytes -= bodyLength(messages);
      this.#held.release(messages);
      this.#capacity.notify();
    }
  }
}
