import type { PipelineEvents } from "../pipeline/events.ts";

export interface ProgressOptions {
  readonly stream: NodeJS.WritableStream;
  /** Visible messages still on the queue, or undefined when it cannot be asked. */
  readonly queueDepth: () => Promise<number | undefined>;
  readonly intervalMs?: number;
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "-";
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/**
 * The live line of a drain on a terminal: counts, rate, what is left on the queue and when it should be done.
 * Redrawn in place (carriage return), cleared at the end so the summary follows cleanly.
 */
export function startProgress(events: PipelineEvents, options: ProgressOptions): () => void {
  const started = performance.now();
  let received = 0;
  let loaded = 0;
  let rejected = 0;
  let depth: number | undefined;
  events.on("received", (n) => {
    received += n;
  });
  events.on("committed", (batch) => {
    loaded += batch.loaded;
    for (const n of batch.rejected.values()) rejected += n;
  });
  const draw = () => {
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? received / seconds : 0;
    const left = depth === undefined ? "?" : String(depth);
    const eta = depth !== undefined && rate > 0 ? duration(depth / rate) : "-";
    options.stream.write(
      `\r\u001b[Kreceived ${received}  loaded ${loaded}  rejected ${rejected}  ${Math.round(rate)} msg/s  queue ${left}  ETA ${eta}`,
    );
  };
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
