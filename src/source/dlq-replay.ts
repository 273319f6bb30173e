import {
  DeleteMessageBatchCommand,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";

/**
 * The message attribute carrying the MessageId a message had before it was replayed from a dead-letter queue.
 * The pipeline keys the ledger on it, so a message that was committed but then dead-lettered (its deletes kept
 * failing) is recognised and skipped instead of loaded twice.
 */
export const ORIGINAL_ID_ATTRIBUTE = "SecureLogOriginalId";

export interface ReplayResult {
  readonly moved: number;
  /** Messages SQS refused to send to the main queue; they stay in the dead-letter queue. */
  readonly failed: number;
}

/**
 * Moves every message of a dead-letter queue back to the main queue: receive, send (body and attributes kept),
 * and only then delete from the dead-letter queue. A crash in between leaves a message in both queues, never in
 * neither; the ledger makes the extra copy harmless.
 */
export async function replayDeadLetters(
  client: SQSClient,
  dlqUrl: string,
  queueUrl: string,
): Promise<ReplayResult> {
  let moved = 0;
  let failed = 0;
  for (;;) {
    const received = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 60,
        MessageAttributeNames: ["All"],
      }),
    );
    const messages = (received.Messages ?? []).filter(
      (m) => m.MessageId !== undefined && m.ReceiptHandle !== undefined,
    );
    if (messages.length === 0) return { moved, failed };
    const sent = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => {
          const attributes: Record<string, MessageAttributeValue> = { ...(m.MessageAttributes ?? {}) };
          attributes[ORIGINAL_ID_ATTRIBUTE] ??= { DataType: "String", StringValue: m.MessageId ?? "" };
          return { Id: String(i), MessageBody: m.Body ?? "", MessageAttributes: attributes };
        }),
      }),
    );
    const delivered = (sent.Successful ?? [])
      .map((entry) => messages[Number(entry.Id)])
      .filter((m) => m !== undefined);
    failed += sent.Failed?.length ?? 0;
    if (delivered.length > 0) {
      await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: dlqUrl,
          Entries: delivered.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? "" })),
        }),
      );
    }
    moved += delivered.length;
    if ((sent.Failed?.length ?? 0) === messages.length) return { moved, failed };
  }
}
