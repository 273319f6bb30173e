import { sleep } from "../backoff.ts";
import type { SourceMessage } from "../source/message.ts";
import { Acknowledgements } from "./acknowledgements.ts";
import { type Batch, BatchBuffer } from "./batch-buffer.ts";
import { BatchCommitter } from "./batch-committer.ts";
import { ConcurrencyController } from "./concurrency.ts";
import { VisibilityHeartbeat } from "./heartbeat.ts";
import { HeldMessages } from "./held-messages.ts";
import { InFlightBudget } from "./in-flight-budget.ts";
import { Notifier } from "./notifier.ts";
import type { PipelineDeps, PipelineOptions } from "./pipeline-options.ts";
import { Receiver } from "./receiver.ts";

/** How often the number of concurrent receives is reconsidered. */
const ADAPT_EVERY_MS = 250;

/** How long a draining poller waits after an empty receive while messages are in flight elsewhere. */
const IDLE_DRAIN_POLL_MS = 250;

/**
 * receive → transform → write → delete, with the one rule that makes it safe: a message is deleted only after
 * the transaction holding its row or rejection has committed. Whatever fails before that (database down,
 * process killed), the message is still on the queue and comes back after its visibility timeout; the
 * ledger makes a second delivery of an already-committed message a no-op.
 *
 * Pollers receive within the in-flight budget into a shared BatchBuffer; writers take batches from it and hand
 * them to the BatchCommitter (which transforms and commits them, retrying outages and isolating refused values),
 * then to the Acknowledgements (which delete them).
 */
export class Pipeline {
  readonly #deps: PipelineDeps;
  readonly #options: PipelineOptions;
  /** Aborts receives and backoff sleeps of pollers: on stop() and on a fatal error. */
  readonly #stopPolling = new AbortController();
  /** Aborts sink retry sleeps: only on a forced stop or a fatal error. */
  readonly #abandon = new AbortController();
  readonly #work = new Notifier();
  readonly #acks = new Set<Promise<void>>();
  readonly #buffer: BatchBuffer;
  readonly #budget: InFlightBudget;
  readonly #committer: BatchCommitter;
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
    this.#buffer = new BatchBuffer(options.batchSize, options.batchBytes);
    this.#budget = new InFlightBudget(options.maxInFlight, options.maxInFlightBytes);
    this.#committer = new BatchCommitter({
      writer: deps.writer,
      events: deps.events,
      maxRetryTimeMs: options.maxRetryTimeMs,
      abandon: this.#abandon.signal,
      fail: (error) => this.#fail(error),
    });
  }

  /** Messages received and not yet deleted (or given back). */
  get inFlight(): number {
    return this.#budget.messages;
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
    const after = this.#concurrency.adjust(ADAPT_EVERY_MS / 1000, this.#budget.nearlyFull);
    if (after === before) return;
    this.#pollersChanged.notify();
    this.#deps.events.emit("concurrency", after);
  }

  /** Graceful: stop receiving, commit and delete what is already received. */
  stop(): void {
    this.#stopPolling.abort();
  }

  /** Forced: also give up on batches still waiting for the database; they stay on the queue. */
  abandon(reason: Error): void {
    this.#fail(reason);
  }

  #fail(error: Error): void {
    this.#fatal ??= error;
    this.#stopPolling.abort();
    this.#abandon.abort();
  }

  async #pollLoop(index: number): Promise<void> {
    const signal = this.#stopPolling.signal;
    const receiver = new Receiver({
      source: this.#deps.source,
      budget: this.#budget,
      concurrency: this.#concurrency,
      events: this.#deps.events,
      maxRetryTimeMs: this.#options.maxRetryTimeMs,
      signal,
      fail: (error) => this.#fail(error),
    });
    while (!signal.aborted) {
      // Pollers beyond the current target wait to be needed (or for the drain to end).
      if (index >= this.#concurrency.target) {
        if (this.#drained) break;
        await this.#pollersChanged.wait(signal);
        continue;
      }
      const messages = await receiver.receive();
      if (messages === undefined) continue;
      this.#deps.events.emit("polled", messages.length);
      if (messages.length > 0) this.#hold(messages);
      else if (await this.#foundEmpty(signal)) break;
    }
  }

  /** Takes received messages into the buffer the writers take batches from. */
  #hold(messages: readonly SourceMessage[]): void {
    const fresh = this.#held.admit(messages);
    if (fresh.length < messages.length) this.#deps.events.emit("redelivered", messages.length - fresh.length);
    if (fresh.length === 0) return;
    this.#budget.admit(fresh.length, this.#buffer.push(fresh));
    this.#deps.events.emit("received", fresh.length);
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
   * An empty receive is not yet an empty queue: messages may be in flight with another consumer (or one that
   * died and whose messages come back after their visibility timeout). Drained means nothing is left on the
   * queue but what this pipeline itself still holds.
   */
  async #isDrained(): Promise<boolean> {
    const { source } = this.#deps;
    if (source.pending === undefined) return true;
    try {
      return (await source.pending()) <= this.#budget.messages;
    } catch {
      return false; // the next receive fails too, and its retry rules apply
    }
  }

  async #writeLoop(): Promise<void> {
    while (this.#fatal === undefined) {
      if (this.#buffer.length === 0) {
        if (this.#pollersDone) return;
        // A failure aborts this signal and ends the wait; a graceful stop ends it when the pollers are done.
        await this.#work.wait(this.#abandon.signal);
        continue;
      }
      const batch = this.#buffer.take();
      if (!(await this.#committer.commit(batch.messages))) return;
      const ack = this.#acknowledge(batch);
      this.#acks.add(ack);
      void ack.finally(() => this.#acks.delete(ack));
    }
  }

  /** Deletes committed messages (see Acknowledgements), then lets go of them. */
  async #acknowledge({ messages, bytes }: Batch): Promise<void> {
    this.#awaitingDelete += messages.length;
    try {
      await this.#acknowledgements.acknowledge(messages);
    } finally {
      this.#awaitingDelete -= messages.length;
      this.#held.release(messages);
      this.#budget.release(messages.length, bytes);
    }
  }
}
