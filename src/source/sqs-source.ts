import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { SqsConfig } from "../config.ts";
import type { MessageSource, SourceMessage } from "./message.ts";
import { ORIGINAL_ID_ATTRIBUTE } from "./replay-id.ts";
import { sourceError } from "./sqs-errors.ts";

export interface SqsSourceOptions {
  readonly waitTimeSeconds: number;
  readonly visibilityTimeoutSeconds: number | undefined;
  /** HTTP sockets kept open to SQS; at least one per poller plus room for deletes. */
  readonly maxSockets: number;
  /**
   * The original MessageId a SecureLogOriginalId attribute carries, if it is signed by a loaded key
   * (verifyOriginalId); undefined, or absent, means the message keys the ledger by its own MessageId.
   */
  readonly originalId?: (attribute: string) => string | undefined;
}

export interface QueueState {
  readonly visibleMessages: number;
  readonly visibilityTimeoutSeconds: number;
  /** How long the queue keeps a message (MessageRetentionPeriod); SQS's default is 4 days. */
  readonly retentionSeconds: number;
}

/**
 * SQS batch calls (send, delete, change visibility) take at most ten entries, and SendMessageBatch at most a
 * total size: with `bytesOf`, a batch also stays within `maxBytes` (an entry larger than that goes alone).
 */
export function inBatchesOfTen<T>(
  items: readonly T[],
  bytesOf?: (item: T) => number,
  maxBytes = Number.POSITIVE_INFINITY,
): T[][] {
  const batches: T[][] = [];
  let batch: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = bytesOf?.(item) ?? 0;
    if (batch.length === 10 || (batch.length > 0 && bytes + size > maxBytes)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(item);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

export function createSqsClient(config: SqsConfig, options: { maxSockets: number; waitTimeSeconds: number }) {
  return new SQSClient({
    region: config.region,
    ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
    ...(config.credentials === undefined ? {} : { credentials: config.credentials }),
    maxAttempts: 3,
    requestHandler: {
      connectionTimeout: 5_000,
      // A long poll legitimately takes waitTimeSeconds; anything much longer is a dead connection.
      requestTimeout: (options.waitTimeSeconds + 10) * 1000,
      httpAgent: { keepAlive: true, maxSockets: options.maxSockets },
      httpsAgent: { keepAlive: true, maxSockets: options.maxSockets },
    },
  });
}

/** The end of year 9999: later dates print as "+010000-…", which PostgreSQL does not read. */
const MAX_DATE_MS = 253_402_300_799_999;
const INT4_MAX = 2_147_483_647;

export function toSourceMessage(
  message: Message,
  receivedAt: Date,
  originalId?: (attribute: string) => string | undefined,
): SourceMessage | undefined {
  if (message.MessageId === undefined || message.ReceiptHandle === undefined) return undefined;
  const sent = Number(message.Attributes?.SentTimestamp);
  const receiveCount = Number(message.Attributes?.ApproximateReceiveCount);
  const attribute = message.MessageAttributes?.[ORIGINAL_ID_ATTRIBUTE]?.StringValue;
  return {
    // A message replayed from a dead-letter queue keeps its first MessageId for the ledger, if replay signed it.
    // System attributes are SQS's, but an SQS-compatible server can send anything: out-of-range values would
    // fail a batch (no date past year 9999, no int4 past 2^31).
    id: (attribute === undefined ? undefined : originalId?.(attribute)) ?? message.MessageId,
    receiptHandle: message.ReceiptHandle,
    body: message.Body ?? "",
    sentTimestampMs: sent > 0 && sent <= MAX_DATE_MS ? sent : undefined,
    receiveCount: Number.isSafeInteger(receiveCount) ? Math.min(Math.max(receiveCount, 1), INT4_MAX) : 1,
    receivedAt,
  };
}

/** SQS as a MessageSource: long-polled receives of up to 10 messages, batch deletes. */
export class SqsSource implements MessageSource {
  readonly #client: SQSClient;
  readonly #config: SqsConfig;
  readonly #options: SqsSourceOptions;
  #visibilityTimeoutSeconds: number | undefined;

  constructor(config: SqsConfig, options: SqsSourceOptions) {
    this.#config = config;
    this.#options = options;
    this.#visibilityTimeoutSeconds = options.visibilityTimeoutSeconds;
    this.#client = createSqsClient(config, options);
  }

  /** Receive with this visibility timeout from now on (for a queue whose own is too short to work with). */
  useVisibilityTimeout(seconds: number): void {
    this.#visibilityTimeoutSeconds = seconds;
  }

  /** Checks that the endpoint answers and the queue exists, before anything is consumed. */
  async inspect(signal?: AbortSignal): Promise<QueueState> {
    try {
      const result = await this.#client.send(
        new GetQueueAttributesCommand({
          QueueUrl: this.#config.queueUrl,
          AttributeNames: ["ApproximateNumberOfMessages", "VisibilityTimeout", "MessageRetentionPeriod"],
        }),
        signal === undefined ? {} : { abortSignal: signal },
      );
      return {
        visibleMessages: Number(result.Attributes?.ApproximateNumberOfMessages ?? 0),
        visibilityTimeoutSeconds: Number(result.Attributes?.VisibilityTimeout ?? 30),
        retentionSeconds: Number(result.Attributes?.MessageRetentionPeriod ?? 345_600),
      };
    } catch (error) {
      throw this.error(error);
    }
  }

  async receive(signal: AbortSignal, maxMessages = 10): Promise<readonly SourceMessage[]> {
    const result = await this.#client
      .send(
        new ReceiveMessageCommand({
          QueueUrl: this.#config.queueUrl,
          MaxNumberOfMessages: maxMessages,
          WaitTimeSeconds: this.#options.waitTimeSeconds,
          ...(this.#visibilityTimeoutSeconds === undefined
            ? {}
            : { VisibilityTimeout: this.#visibilityTimeoutSeconds }),
          MessageSystemAttributeNames: ["SentTimestamp", "ApproximateReceiveCount"],
          MessageAttributeNames: [ORIGINAL_ID_ATTRIBUTE],
        }),
        { abortSignal: signal },
      )
      .catch((error: unknown) => {
        throw signal.aborted ? error : this.error(error);
      });
    const receivedAt = new Date();
    const messages: SourceMessage[] = [];
    for (const message of result.Messages ?? []) {
      const converted = toSourceMessage(message, receivedAt, this.#options.originalId);
      if (converted !== undefined) messages.push(converted);
    }
    return messages;
  }

  /** Deletes by receipt handle; anything carrying one will do (the writer thread has nothing else). */
  async delete<T extends Pick<SourceMessage, "receiptHandle">>(
    messages: readonly T[],
  ): Promise<{ readonly deleted: number; readonly failed: T[] }> {
    const chunks = inBatchesOfTen(messages);
    const results = await Promise.all(
      chunks.map((chunk) =>
        this.#client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.#config.queueUrl,
            Entries: chunk.map((m, i) => ({ Id: String(i), ReceiptHandle: m.receiptHandle })),
          }),
        ),
      ),
    ).catch((error: unknown) => {
      throw this.error(error);
    });
    let deleted = 0;
    const failed: T[] = [];
    results.forEach((result, chunkIndex) => {
      deleted += result.Successful?.length ?? 0;
      for (const entry of result.Failed ?? []) {
        const message = chunks[chunkIndex]?.[Number(entry.Id)];
        if (message !== undefined) failed.push(message);
      }
    });
    return { deleted, failed };
  }

  async extend(messages: readonly SourceMessage[], seconds: number): Promise<void> {
    const chunks = inBatchesOfTen(messages);
    await Promise.all(
      chunks.map((chunk) =>
        this.#client.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: this.#config.queueUrl,
            Entries: chunk.map((m, i) => ({
              Id: String(i),
              ReceiptHandle: m.receiptHandle,
              VisibilityTimeout: seconds,
            })),
          }),
        ),
      ),
    ).catch((error: unknown) => {
      throw this.error(error);
    });
  }

  async pending(): Promise<number> {
    const result = await this.#client
      .send(
        new GetQueueAttributesCommand({
          QueueUrl: this.#config.queueUrl,
          AttributeNames: [
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
          ],
        }),
      )
      .catch((error: unknown) => {
        throw this.error(error);
      });
    const attributes = result.Attributes ?? {};
    return (
      Number(attributes.ApproximateNumberOfMessages ?? 0) +
      Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0) +
      Number(attributes.ApproximateNumberOfMessagesDelayed ?? 0)
    );
  }

  /** Wraps an SQS failure in the one-line, classified error the CLI prints. */
  error(error: unknown) {
    return sourceError(error, this.#config.queueUrl, this.#config.endpoint);
  }

  close(): void {
    this.#client.destroy();
  }
}
