import type { PipelineEvents } from "../pipeline/events.ts";

export interface SummaryCounts {
  readonly received: number;
  readonly loaded: number;
  readonly rejected: number;
  readonly rejectedByReason: Readonly<Record<string, number>>;
  readonly duplicates: number;
  readonly deleted: number;
  readonly deleteFailed: number;
  /** Deliveries of messages already held (their visibility ran out while they waited), not processed again. */
  readonly redelivered: number;
  readonly retries: number;
  readonly seconds: number;
  readonly messagesPerSecond: number;
  /** Peak resident memory of this process so far, in MiB. */
  readonly peakRssMb: number;
}

/** Counts what the pipeline reports; the run's closing summary and its JSON form. */
export class RunSummary {
  #received = 0;
  #loaded = 0;
  #duplicates = 0;
  #deleted = 0;
  #deleteFailed = 0;
  #redelivered = 0;
  #retries = 0;
  readonly #rejected = new Map<string, number>();
  readonly #started = performance.now();
  #finished: number | undefined;

  constructor(events: PipelineEvents) {
    events.on("received", (n) => {
      this.#received += n;
    });
    events.on("committed", (batch) => {
      this.#loaded += batch.loaded;
      this.#duplicates += batch.duplicates;
      for (const [reason, n] of batch.rejected)
        this.#rejected.set(reason, (this.#rejected.get(reason) ?? 0) + n);
    });
    events.on("deleted", (n) => {
      this.#deleted += n;
    });
    events.on("deleteFailed", (n) => {
      this.#deleteFailed += n;
    });
    events.on("redelivered", (n) => {
      this.#redelivered += n;
    });
    events.on("sinkRetry", () => {
      this.#retries++;
    });
    events.on("sourceRetry", () => {
      this.#retries++;
    });
  }

  finish(): void {
    this.#finished ??= performance.now();
  }

  counts(): SummaryCounts {
    const seconds = ((this.#finished ?? performance.now()) - this.#started) / 1000;
    let rejected = 0;
    for (const n of this.#rejected.values()) rejected += n;
    const byReason = Object.fromEntries([...this.#rejected.entries()].sort(([a], [b]) => a.localeCompare(b)));
    return {
      received: this.#received,
      loaded: this.#loaded,
      rejected,
      rejectedByReason: byReason,
      duplicates: this.#duplicates,
      deleted: this.#deleted,
      deleteFailed: this.#deleteFailed,
      redelivered: this.#redelivered,
      retries: this.#retries,
      seconds,
      messagesPerSecond: seconds > 0 ? this.#received / seconds : 0,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    };
  }

  format(): string {
    const c = this.counts();
    const width = Math.max(22, ...Object.keys(c.rejectedByReason).map((reason) => reason.length + 2));
    const line = (label: string, value: number | string) =>
      `  ${label.padEnd(width)} ${String(value).padStart(9)}`;
    const lines = [
      `SecureLog summary (${c.seconds.toFixed(1)} s)`,
      line("received", c.received),
      line("loaded", c.loaded),
      line("rejected", c.rejected),
      ...Object.entries(c.rejectedByReason).map(([reason, n]) => line(`  ${reason}`, n)),
      line("duplicates skipped", c.duplicates),
      line("deleted from queue", c.deleted),
    ];
    if (c.deleteFailed > 0) lines.push(line("delete failures", c.deleteFailed));
    if (c.redelivered > 0) lines.push(line("redelivered while held", c.redelivered));
    if (c.retries > 0) lines.push(line("retries", c.retries));
    lines.push(line("messages/s", Math.round(c.messagesPerSecond)));
    lines.push(line("peak memory (MiB)", Math.round(c.peakRssMb)));
    return lines.join("\n");
  }
}
