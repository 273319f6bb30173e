import { after, before } from "node:test";
import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { type EmbeddedSqs, startEmbeddedSqs } from "../../src/embedded/embedded-sqs.ts";
import { SqsSource } from "../../src/source/sqs-source.ts";

export interface TestSqs extends EmbeddedSqs {
  readonly client: SQSClient;
  /** visible + in flight + delayed: everything not yet deleted. */
  depth(queueUrl: string): Promise<{ visible: number; inFlight: number }>;
  /** Receives every visible message, then makes them visible again: how many a consumer would get now. */
  countReceivable(queueUrl: string): Promise<number>;
  /** Receives every visible message and keeps it hidden (for 60 s); returns the receipt handles. */
  hideAll(queueUrl: string): Promise<string[]>;
  /** Makes hidden messages visible at once. */
  release(queueUrl: string, handles: readonly string[]): Promise<void>;
  /** SecureLog's own SqsSource on a queue of this server, for tests that play a consumer's part. */
  source(queueUrl: string, options: { waitTimeSeconds: number; visibilityTimeoutSeconds: number }): SqsSource;
}

export async function startTestSqs(): Promise<TestSqs> {
  const sqs = await startEmbeddedSqs();
  const client = new SQSClient({
    region: "us-east-1",
    endpoint: sqs.endpoint,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  const hideAll = async (queueUrl: string): Promise<string[]> => {
    const handles: string[] = [];
    for (;;) {
      const result = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          VisibilityTimeout: 60,
        }),
      );
      const received = result.Messages ?? [];
      if (received.length === 0) return handles;
      for (const m of received) if (m.ReceiptHandle !== undefined) handles.push(m.ReceiptHandle);
    }
  };
  const release = async (queueUrl: string, handles: readonly string[]): Promise<void> => {
    for (let i = 0; i < handles.length; i += 10) {
      await client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: handles
            .slice(i, i + 10)
            .map((h, n) => ({ Id: String(n), ReceiptHandle: h, VisibilityTimeout: 0 })),
        }),
      );
    }
  };
  const countReceivable = async (queueUrl: string): Promise<number> => {
    const handles = await hideAll(queueUrl);
    await release(queueUrl, handles);
    return handles.length;
  };
  return {
    ...sqs,
    client,
    async depth(queueUrl) {
      const result = await client.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        }),
      );
      return {
        visible: Number(result.Attributes?.ApproximateNumberOfMessages),
        inFlight: Number(result.Attributes?.ApproximateNumberOfMessagesNotVisible),
      };
    },
    countReceivable,
    hideAll,
    release,
    source: (queueUrl, options) =>
      new SqsSource(
        {
          queueUrl,
          endpoint: sqs.endpoint,
          region: "us-east-1",
          credentials: { accessKeyId: "t", secretAccessKey: "t" },
        },
        { ...options, maxSockets: 4 },
      ),
    async stop() {
      client.destroy();
      await sqs.stop();
    },
  };
}

/** An SQS server for the enclosing file or describe(), started before its tests and stopped after them. */
export function useTestSqs(): () => TestSqs {
  let sqs: TestSqs | undefined;
  before(async () => {
    sqs = await startTestSqs();
  });
  after(async () => {
    await sqs?.stop();
  });
  return () => {
    if (sqs === undefined) throw new Error("the SQS server is used before it started");
    return sqs;
  };
}
