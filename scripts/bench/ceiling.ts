// (a) and (a') of `npm run bench`: receive + batch delete, no work, until the queue is empty.
// node scripts/bench/ceiling.ts minimal|sdk QUEUE_URL ENDPOINT POLLERS
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { createSqsClient } from "../../test/helpers/sdk-client.ts";
import { MinimalSqs, type Received } from "./minimal-sqs.ts";

const [kind, queueUrl = "", endpoint = "", pollers = "8"] = process.argv.slice(2);
const count = Number(pollers);
let receive: () => Promise<Received[]>;
let deleteBatch: (messages: readonly Received[]) => Promise<void>;
let close: () => void;
if (kind === "sdk") {
  const client = createSqsClient(
    {
      queueUrl,
      endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
    },
    { maxSockets: count + 4, waitTimeSeconds: 0 },
  );
  receive = async () =>
    ((await client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 })))
      .Messages ?? []) as Received[];
  deleteBatch = async (messages) => {
    await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  };
  close = () => client.destroy();
} else {
  const client = new MinimalSqs(endpoint, queueUrl, count + 4);
  receive = () => client.receive();
  deleteBatch = (messages) => client.deleteBatch(messages);
  close = () => client.close();
}
let done = 0;
await Promise.all(
  Array.from({ length: count }, async () => {
    for (;;) {
      const messages = await receive();
      if (messages.length === 0) return;
      await deleteBatch(messages);
      done += messages.length;
    }
  }),
);
close();
process.stdout.write(`${done}\n`);
