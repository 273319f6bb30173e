// (a) of `npm run bench`, the queue's ceiling: receive + batch delete only, with SecureLog's own SqsSource and
// poller count, no processing. It runs in a fresh process started with the launcher's V8 flags, exactly as
// `securelog run` is started, so that the ratio compares the work done and not a warm JIT or a larger heap.
// Prints {"messages":…, "perSecond":…} on stdout.
import { SqsSource } from "../src/source/sqs-source.ts";

const [queueUrl, endpoint, pollers] = process.argv.slice(2);
if (queueUrl === undefined || endpoint === undefined)
  throw new Error("usage: bench-ceiling.ts QUEUE_URL ENDPOINT [POLLERS]");
const source = new SqsSource(
  {
    queueUrl,
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
  },
  { waitTimeSeconds: 1, visibilityTimeoutSeconds: 60, maxSockets: 16 },
);
let first = 0;
let last = 0;
let done = 0;
await Promise.all(
  Array.from({ length: Number(pollers ?? 4) }, async () => {
    for (;;) {
      const messages = await source.receive(new AbortController().signal);
      if (messages.length === 0) return;
      first ||= performance.now();
      await source.delete(messages);
      done += messages.length;
      last = performance.now();
    }
  }),
);
source.close();
process.stdout.write(`${JSON.stringify({ messages: done, perSecond: done / ((last - first) / 1000) })}\n`);
