// (a) of `npm run bench`, the queue's ceiling: receive + batch delete only, with SecureLog's own SqsSource and
// poller count, no processing. It runs in a fresh process started with the launcher's V8 flags, exactly as
// `securelog run` is started, so that the ratio compares the work done and not a warm JIT or a larger heap.
// With "split", the SQS work is shaped like SecureLog's: pollers do not wait for deletes (at most 2,000
// messages received and not yet deleted, as --max-in-flight), and the deletes are sent from a second thread,
// as the writer thread sends them. That is the ceiling of SecureLog's own SQS traffic with no work in between.
// Prints {"messages":…, "perSecond":…} on stdout.
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import type { SourceMessage } from "../src/source/message.ts";
import { SqsSource } from "../src/source/sqs-source.ts";

interface Setup {
  readonly queueUrl: string;
  readonly endpoint: string;
}

const sourceFor = ({ queueUrl, endpoint }: Setup) =>
  new SqsSource(
    {
      queueUrl,
      endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
    },
    { waitTimeSeconds: 1, visibilityTimeoutSeconds: 60, maxSockets: 16 },
  );

if (isMainThread) {
  const [queueUrl, endpoint, pollers, mode] = process.argv.slice(2);
  if (queueUrl === undefined || endpoint === undefined)
    throw new Error("usage: bench-ceiling.ts QUEUE_URL ENDPOINT [POLLERS] [split]");
  const setup: Setup = { queueUrl, endpoint };
  const source = sourceFor(setup);
  const split = mode === "split";
  const worker = split ? new Worker(new URL(import.meta.url), { workerData: setup }) : undefined;
  const waiting = new Map<number, () => void>();
  let seq = 0;
  worker?.on("message", (answered: number) => waiting.get(answered)?.());
  const deleteMessages = (messages: readonly SourceMessage[]): Promise<void> =>
    worker === undefined
      ? source.delete(messages).then(() => undefined)
      : new Promise((resolve) => {
          waiting.set(++seq, resolve);
          worker.postMessage({ seq, handles: messages.map((m) => m.receiptHandle) });
        });
  let first = 0;
  let last = 0;
  let done = 0;
  let inFlight = 0;
  const deletes = new Set<Promise<void>>();
  await Promise.all(
    Array.from({ length: Number(pollers ?? 8) }, async () => {
      for (;;) {
        while (split && inFlight >= 2000) await Promise.race(deletes);
        const messages = await source.receive(new AbortController().signal);
        if (messages.length === 0) return;
        first ||= performance.now();
        inFlight += messages.length;
        const deleted = deleteMessages(messages).then(() => {
          deletes.delete(deleted);
          inFlight -= messages.length;
          done += messages.length;
          last = performance.now();
        });
        deletes.add(deleted);
        if (!split) await deleted;
      }
    }),
  );
  await Promise.all(deletes);
  source.close();
  await worker?.terminate();
  process.stdout.write(`${JSON.stringify({ messages: done, perSecond: done / ((last - first) / 1000) })}\n`);
} else {
  const source = sourceFor(workerData as Setup);
  parentPort?.on("message", async ({ seq, handles }: { seq: number; handles: string[] }) => {
    await source.delete(handles.map((receiptHandle) => ({ receiptHandle })));
    parentPort?.postMessage(seq);
  });
}
