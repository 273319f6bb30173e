import { buildApp } from "fauxqs";
import { inBatchesOfTen } from "../source/batches.ts";
import type { BatchResult } from "../source/sqs-shapes.ts";
import { SqsWire } from "../source/sqs-wire.ts";

export interface EmbeddedSqs {
  /** http://127.0.0.1:<port> */
  readonly endpoint: string;
  createQueue(name: string, attributes?: Record<string, string>): Promise<string>;
  /** Sends bodies through the SQS API, ten per SendMessageBatch call. */
  send(queueUrl: string, bodies: readonly string[]): Promise<void>;
  stop(): Promise<void>;
}

/**
 * fauxqs, in process, on 127.0.0.1 only (its startFauxqs binds every interface; buildApp lets us choose), on a
 * free port. Everything goes through the real SQS wire protocol, exactly as against AWS or LocalStack.
 */
export async function startEmbeddedSqs(): Promise<EmbeddedSqs> {
  const app = buildApp({ logger: false });
  const address = await app.listen({ port: 0, host: "127.0.0.1" });
  const endpoint = new URL(address).origin;
  const wire = new SqsWire(
    {
      queueUrl: `${endpoint}/000000000000/none`,
      endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    },
    { maxSockets: 16, timeoutMs: 10_000 },
  );
  return {
    endpoint,
    async createQueue(name, attributes) {
      const result = await wire.call<{ QueueUrl?: string }>("CreateQueue", {
        QueueName: name,
        ...(attributes ? { Attributes: attributes } : {}),
      });
      if (result.QueueUrl === undefined)
        throw new Error(`the SQS emulator returned no URL for queue ${name}`);
      // fauxqs names queues sqs.<region>.localhost:<port>; hand out the address it really listens on.
      return `${endpoint}${new URL(result.QueueUrl).pathname}`;
    },
    async send(queueUrl, bodies) {
      // fauxqs, like SQS, takes at most 1 MiB per SendMessageBatch.
      const batches = inBatchesOfTen(bodies, (body) => Buffer.byteLength(body) + 64, 1024 * 1024);
      for (let i = 0; i < batches.length; i += 16) {
        await Promise.all(
          batches.slice(i, i + 16).map(async (batch) => {
            const result = await wire.call<BatchResult>("SendMessageBatch", {
              QueueUrl: queueUrl,
              Entries: batch.map((body, index) => ({ Id: String(index), MessageBody: body })),
            });
            if ((result.Failed?.length ?? 0) > 0)
              throw new Error(`the SQS emulator refused ${result.Failed?.length} messages`);
          }),
        );
      }
    },
    async stop() {
      wire.close();
      await app.close();
    },
  };
}
