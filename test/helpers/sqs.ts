import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { type EmbeddedSqs, startEmbeddedSqs } from "../../src/embedded/embedded-sqs.ts";

export interface TestSqs extends EmbeddedSqs {
  readonly client: SQSClient;
  /** visible + in flight + delayed: everything not yet deleted. */
  depth(queueUrl: string): Promise<{ visible: number; inFlight: number }>;
  receiveAll(queueUrl: string): Promise<number>;
}

export async function startTestSqs(): Promise<TestSqs> {
  const sqs = await startEmbeddedSqs();
  const client = new SQSClient({
    region: "us-east-1",
    endpoint: sqs.endpoint,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
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
    async receiveAll(queueUrl) {
      let count = 0;
      for (;;) {
        const result = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 0,
            VisibilityTimeout: 60,
          }),
        );
        const n = result.Messages?.length ?? 0;
        if (n === 0) return count;
        count += n;
      }
    },
    async stop() {
      client.destroy();
      await sqs.stop();
    },
  };
}

export { SendMessageBatchCommand };
