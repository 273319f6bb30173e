import type { PipelineEvents } from "../pipeline/events.ts";

export interface ProgressOptions {
  readonly stream: NodeJS.WritableStream;
  /** Visible messages still on the queue, or undefined when it cannot be asked. */
  readonly queueDepth: () => Promise<number | undefined>;
  /** A drain shows what is left and when it should be done; following shows the current rate and state. */
  readonly mode: "drain" | "follow";
  /** Messages received and not yet deleted. */
  readonly inFlight: () => number;
  /** Concurrent receives now. */
  readonly concurrency: () => number;
  readonly intervalMs?: number;
}

/** Follow mode's rate is over the last RATE_WINDOW_MS, so that it falls back to 0 when the queue goes quiet. */
const RATE_WINDOW_MS = 10_000;

function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "-";
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

interface Tally {
  received: number;
  loaded: number;
  rejected: number;
  lastCommit: number | undefined;
  /** Messages committed lately, for the rate of the last ten seconds. */
  readonly recent: { at: number; n: number }[];
}

/** What the run has done so far, kept up to date from its events. */
function tallied(events: PipelineEvents): Tally {
  const tally: Tally = { received: 0, loaded: 0, rejected: 0, lastCommit: undefined, recent: [] };
  events.on("received", (n) => {
    tally.received += n;
  });
  events.on("committed", (batch) => {
    tally.loaded += batch.loaded;
    let n = batch.loaded;
    for (const r of batch.rejected.values()) {
      tally.rejected += r;
      n += r;
    }
    tally.lastCommit = performance.now();
    tally.recent.push({ at: tally.lastCommit, n });
  });
  return tally;
}

/**
 * The live line on a terminal. A drain: counts, rate, what is left on the queue and when it should be done.
 * Following: counts, the rate of the last ten seconds, messages in flight, pollers and the time since the last
 * commit. Redrawn in place (carriage return), cleared at the end so the summary follows cleanly.
 */
export function startProgress(events: PipelineEvents, options: ProgressOptions): () => void {
  const started = performance.now();
  const tally = tallied(events);
  const { recent } = tally;
  let depth: number | undefined;
  const counts = () => `received ${tally.received}  loaded ${tally.loaded}  rejected ${tally.rejected}`;
  const drawDrain = () => {
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? tally.received / seconds : 0;
    const left = depth === undefined ? "?" : String(depth);
    const eta = depth !== undefined && rate > 0 ? duration(depth / rate) : "-";
    return `${counts()}  ${Math.round(rate)} msg/s  queue ${left}  ETA ${eta}`;
  };
  const drawFollow = () => {
    const now = performance.now();
    while (recent.length > 0 && (recent[0]?.at ?? now) < now - RATE_WINDOW_MS) recent.shift();
    const window = Math.min(RATE_WINDOW_MS, now - started) / 1000;
    const rate = window > 0 ? recent.reduce((sum, r) => sum + r.n, 0) / window : 0;
    const last = tally.lastCommit;
    const since = last === undefined ? "none yet" : `${duration((now - last) / 1000)} ago`;
    return `${counts()}  ${Math.round(rate)} msg/s  in flight ${options.inFlight()}  pollers ${options.concurrency()}  last commit ${since}`;
  };
  const draw = () =>
    options.stream.write(`\r\u001b[K${options.mode === "drain" ? drawDrain() : drawFollow()}`);
  const drawTimer = setInterval(draw, options.intervalMs ?? 250);
  const depthTimer = setInterval(() => {
    void options.queueDepth().then((d) => {
      depth = d;
    });
  }, 2000);
  void options.queueDepth().then((d) => {
    depth = d;
  });
  return () => {
    clearInterval(drawTimer);
    clearInterval(depthTimer);
    options.stream.write("\r\u001b[K");
  };
}
