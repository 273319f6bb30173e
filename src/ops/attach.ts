import type { PipelineEvents } from "../pipeline/events.ts";
import type { Logger } from "./logger.ts";
import type { ReadinessCheck } from "./readiness.ts";

/** The gauges a running pipeline exposes. */
export interface PipelineGauges {
  readonly inFlight: number;
  readonly concurrency: number;
  readonly awaitingDelete: number;
}

export interface OperationsSetup {
  readonly events: PipelineEvents;
  readonly pipeline: PipelineGauges;
  /** Visible messages left on the queue; undefined when SQS does not answer. */
  readonly queueDepth: () => Promise<number | undefined>;
  /** What /readyz and securelog_up ask. */
  readonly checks: readonly ReadinessCheck[];
  readonly logger: Logger;
  /** --metrics-host and --metrics-port; absent: no metrics, no health server. */
  readonly metrics?: { readonly host: string; readonly port: number };
  /** The live line, on a terminal only. */
  readonly progress?: { readonly stream: NodeJS.WritableStream; readonly mode: "drain" | "follow" };
}

/**
 * Metrics, the health server and the progress line: what an operator watches a run through, started after the
 * pipeline is built and stopped before it is torn down. Each is loaded only when asked for: prom-client and an
 * HTTP server are start-up time nobody else needs.
 */
export async function attachOperations(setup: OperationsSetup): Promise<AsyncDisposable> {
  const stack = new AsyncDisposableStack();
  try {
    await attachEach(setup, stack);
  } catch (error) {
    await stack.disposeAsync();
    throw error;
  }
  return stack;
}

async function attachEach(setup: OperationsSetup, stack: AsyncDisposableStack): Promise<void> {
  const { events, pipeline, queueDepth } = setup;
  if (setup.metrics !== undefined) {
    const [{ createMetrics }, { startHealthServer }] = await Promise.all([
      import("./metrics.ts"),
      import("./health-server.ts"),
    ]);
    const registry = createMetrics(events, {
      inFlight: () => pipeline.inFlight,
      concurrency: () => pipeline.concurrency,
      awaitingDelete: () => pipeline.awaitingDelete,
      queueDepth,
      checks: setup.checks,
    });
    const health = await startHealthServer(setup.metrics.host, setup.metrics.port, registry, setup.checks);
    stack.defer(() => health.close());
    setup.logger.info({ port: health.port, host: setup.metrics.host }, "metrics");
  }
  if (setup.progress !== undefined) {
    const { startProgress } = await import("./progress.ts");
    stack.defer(
      startProgress(events, {
        ...setup.progress,
        queueDepth,
        inFlight: () => pipeline.inFlight,
        concurrency: () => pipeline.concurrency,
      }),
    );
  }
}
