import type { SqsConfig } from "../config/sqs.ts";
import { SecureLogError } from "../errors.ts";
import type { Acknowledger, DeleteResult, MessageSource, SourceMessage } from "./message.ts";
import { ORIGINAL_ID_ATTRIBUTE } from "./replay-id.ts";
import { SqsAcknowledger } from "./sqs-acknowledger.ts";
import { checksumMismatch, sourceError } from "./sqs-errors.ts";
import type { Message } from "./sqs-shapes.ts";
import { SqsWire } from "./sqs-wire.ts";

export interface SqsSourceOptions {
  readonly waitTimeSeconds: number;
  readonly visibilityTimeoutSeconds: number | undefined;
  /** HTTP sockets kept open to SQS; at least one per poller plus room for deletes. */
  readonly maxSockets: number;
  /**
   * The original MessageId a SecureLogOriginalId attribute carries, if it is signed by a loaded key
   * for this body (verifyOriginalId); undefined, or absent, means the message keys the ledger by its own MessageId.
   */
  readonly originalId?: (attribute: string, body: string) => string | undefined;
}

export interface QueueState {
  readonly visibleMessages: number;
  /** How long the queue keeps a message (MessageRetentionPeriod); SQS's default is 4 days. */
  readonly retentionSeconds: number;
  /** The redrive policy's maxReceiveCount: receives after which SQS moves a message to the dead-letter queue. */
  readonly maxReceiveCount: number | undefined;
}

function maxReceiveCount(redrivePolicy: string | undefined): number | undefined {
  if (redrivePolicy === undefined) return undefined;
  try {
    const count = Number((JSON.parse(redrivePolicy) as { maxReceiveCount?: unknown }).maxReceiveCount);
    return Number.isSafeInteger(count) && count > 0 ? count : undefined;
  } catch {
    return undefined;
  }
}

/** The end of year 9999: later dates print as "+010000-…", which PostgreSQL does not read. */
const MAX_DATE_MS = 253_402_300_799_999;
const INT4_MAX = 2_147_483_647;

export function toSourceMessage(
  message: Message,
  receivedAt: Date,
  originalId?: (attribute: string, body: string) => string | undefined,
): SourceMessage | undefined {
  if (message.MessageId === undefined || message.ReceiptHandle === undefined) return undefined;
  const sent = Number(message.Attributes?.SentTimestamp);
  const receiveCount = Number(message.Attributes?.ApproximateReceiveCount);
  const attribute = message.MessageAttributes?.[ORIGINAL_ID_ATTRIBUTE]?.StringValue;
  const body = message.Body ?? "";
  return {
    // A message replayed from a dead-letter queue keeps its first MessageId for the ledger, if replay signed it.
    // System attributes are SQS's, but an SQS-compatible server can send anything: out-of-range values would
    // fail a batch (no date past year 9999, no int4 past 2^31).
    id: (attribute === undefined ? undefined : originalId?.(attribute, body)) ?? message.MessageId,
    receiptHandle: message.ReceiptHandle,
    body,
    sentTimestampMs: sent > 0 && sent <= MAX_DATE_MS ? sent : undefined,
    receiveCount: Number.isSafeInteger(receiveCount) ? Math.min(Math.max(receiveCount, 1), INT4_MAX) : 1,
    receivedAt,
  };
}

/**
 * SQS as a MessageSource (and an Acknowledger), over the lean wire: long-polled receives of up to 10 messages,
 * batch deletes and visibility changes (SqsAcknowledger), queue attributes. Bodies are checked against the MD5
 * SQS computed when it stored them, as the SDK does.
 */
export class SqsSource implements MessageSource, Acknowledger {
  readonly #wire: SqsWire;
  readonly #handles: SqsAcknowledger;
  readonly #config: SqsConfig;
  readonly #options: SqsSourceOptions;
  readonly #visibilityTimeoutSeconds: number | undefined;

  constructor(config: SqsConfig, options: SqsSourceOptions) {
    this.#config = config;
    this.#options = options;
    this.#visibilityTimeoutSeconds = options.visibilityTimeoutSeconds;
    // A long poll legitimately takes waitTimeSeconds; anything much longer is a dead connection.
    this.#wire = new SqsWire(config, {
      maxSockets: options.maxSockets,
      timeoutMs: (options.waitTimeSeconds + 10) * 1000,
    });
    this.#handles = new SqsAcknowledger(this.#wire, config);
  }

  async #attributes(names: readonly string[]): Promise<Record<string, string>> {
    const result = await this.#wire
      .call<{ Attributes?: Record<string, string> }>("GetQueueAttributes", {
        QueueUrl: this.#config.queueUrl,
        AttributeNames: names,
      })
      .catch((error: unknown) => {
        throw this.#describeFailure(error);
      });
    return result.Attributes ?? {};
  }

  /**
   * The queues the endpoint has (ListQueues, at most 20), for the error about a queue that does not exist: a wrong
   * host form (`127.0.0.1` where the emulator names queues `sqs.us-east-1.localhost`) or a typo shows at once.
   */
  async #otherQueues(): Promise<string | undefined> {
    try {
      const listed = await this.#wire.call<{ QueueUrls?: string[] }>("ListQueues", { MaxResults: 20 });
      const urls = listed.QueueUrls ?? [];
      return urls.length === 0 ? "the endpoint has no queues" : `the endpoint has: ${urls.join(", ")}`;
    } catch {
      return undefined; // not allowed to list (sqs:ListQueues), or unreachable: the error stays as it was
    }
  }

  /** Checks that the endpoint answers and the queue exists, before anything is consumed. */
  async inspect(): Promise<QueueState> {
    const attributes = await this.#attributes([
      "ApproximateNumberOfMessages",
      "MessageRetentionPeriod",
      "RedrivePolicy",
    ]).catch(async (error: unknown) => {
      if (error instanceof SecureLogError && error.code === "queue_not_found") {
        const others = await this.#otherQueues();
        if (others !== undefined)
          throw new SecureLogError(error.code, `${error.message} (${others})`, {
            exitCode: error.exitCode,
            cause: error,
          });
      }
      throw error;
    });
    return {
      visibleMessages: Number(attributes.ApproximateNumberOfMessages ?? 0),
      retentionSeconds: Number(attributes.MessageRetentionPeriod ?? 345_600),
      maxReceiveCount: maxReceiveCount(attributes.RedrivePolicy),
    };
  }

  async receive(signal: AbortSignal, maxMessages = 10): Promise<readonly SourceMessage[]> {
    const result = await this.#wire
      .call<{ Messages?: Message[] }>(
        "ReceiveMessage",
        {
          QueueUrl: this.#config.queueUrl,
          MaxNumberOfMessages: maxMessages,
          WaitTimeSeconds: this.#options.waitTimeSeconds,
          ...(this.#visibilityTimeoutSeconds === undefined
            ? {}
            : { VisibilityTimeout: this.#visibilityTimeoutSeconds }),
          MessageSystemAttributeNames: ["SentTimestamp", "ApproximateReceiveCount"],
          MessageAttributeNames: [ORIGINAL_ID_ATTRIBUTE],
        },
        // The pipeline's Receiver retries a failed receive within --max-retry-time.
        { signal, attempts: 1 },
      )
      .catch((error: unknown) => {
        throw signal.aborted ? error : this.#describeFailure(error);
      });
    const received = result.Messages ?? [];
    const mismatch = checksumMismatch(received);
    if (mismatch !== undefined) throw this.#describeFailure(mismatch);
    const receivedAt = new Date();
    const messages: SourceMessage[] = [];
    for (const message of received) {
      const converted = toSourceMessage(message, receivedAt, this.#options.originalId);
      if (converted !== undefined) messages.push(converted);
    }
    return messages;
  }

  /** Deletes through this source's own connections (`run` deletes over separate ones, SqsAcknowledger). */
  delete(messages: readonly SourceMessage[]): Promise<DeleteResult> {
    return this.#handles.delete(messages);
  }

  async extend(messages: readonly SourceMessage[], seconds: number): Promise<readonly SourceMessage[]> {
    const { failed } = await this.#handles.changeVisibility(
      messages.map((m) => m.receiptHandle),
      seconds,
    );
    return failed.flatMap((i) => messages[i] ?? []);
  }

  async pending(): Promise<number> {
    const attributes = await this.#attributes([
      "ApproximateNumberOfMessages",
      "ApproximateNumberOfMessagesNotVisible",
      "ApproximateNumberOfMessagesDelayed",
    ]);
    return (
      Number(attributes.ApproximateNumberOfMessages ?? 0) +
      Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0) +
      Number(attributes.ApproximateNumberOfMessagesDelayed ?? 0)
    );
  }

  /** Wraps an SQS failure in the one-line, classified error the CLI prints. */
  #describeFailure(error: unknown) {
    return sourceError(error, this.#config.queueUrl, this.#config.endpoint);
  }

  close(): void {
    this.#wire.close();
  }
}
