import type { MaskKey } from "../transform/mask-key.ts";
import { inBatchesOfTen } from "./batches.ts";
import { ORIGINAL_ID_ATTRIBUTE, signOriginalId, verifyOriginalId } from "./replay-id.ts";
import { checksumMismatch } from "./sqs-errors.ts";
import type { BatchResult, Message, MessageAttributeValue } from "./sqs-shapes.ts";
import type { SqsWire } from "./sqs-wire.ts";

export interface ReplayResult {
  readonly moved: number;
  /** Messages SQS refused to send to the main queue; they stay in the dead-letter queue. */
  readonly failed: number;
}

export interface ReplayQueues {
  readonly dlqUrl: string;
  readonly queueUrl: string;
  /** The loaded keys, current first; undefined (--mask sha256): nothing is signed. */
  readonly keys: readonly MaskKey[] | undefined;
  /** Turns a failed call into the error to throw, naming the queue it was made on. */
  readonly onError: (error: unknown, queueUrl: string) => Error;
}

/** SendMessageBatch refuses batches over 256 KiB in all (1 MiB on AWS since 2025; the lower limit is safe). */
const SEND_BATCH_BYTES = 256 * 1024;

/**
 * The attributes a replayed message is sent with: its own, plus its first MessageId, signed. A message replayed
 * before keeps its verified attribute; any other gets one for its own MessageId (a redrive keeps the MessageId),
 * replacing whatever a producer may have put there.
 */
function replayAttributes(message: Message, keys: readonly MaskKey[] | undefined) {
  const attributes: Record<string, MessageAttributeValue> = { ...(message.MessageAttributes ?? {}) };
  const [current] = keys ?? [];
  if (current === undefined) return attributes;
  const carried = attributes[ORIGINAL_ID_ATTRIBUTE]?.StringValue;
  const body = message.Body ?? "";
  if (carried === undefined || verifyOriginalId(keys ?? [], carried, body) === undefined) {
    attributes[ORIGINAL_ID_ATTRIBUTE] = {
      DataType: "String",
      StringValue: signOriginalId(current, message.MessageId ?? "", body),
    };
  }
  return attributes;
}

/** Sends one group to the main queue, then deletes from the dead-letter queue what was sent. */
async function moveGroup(wire: SqsWire, group: readonly Message[], queues: ReplayQueues) {
  const sent = await wire
    .call<BatchResult>("SendMessageBatch", {
      QueueUrl: queues.queueUrl,
      Entries: group.map((m, i) => ({
        Id: String(i),
        MessageBody: m.Body ?? "",
        MessageAttributes: replayAttributes(m, queues.keys),
      })),
    })
    .catch((error: unknown) => {
      throw queues.onError(error, queues.queueUrl);
    });
  const delivered = (sent.Successful ?? [])
    .map((entry) => group[Number(entry.Id)])
    .filter((m) => m !== undefined);
  if (delivered.length > 0) {
    await wire
      .call("DeleteMessageBatch", {
        QueueUrl: queues.dlqUrl,
        Entries: delivered.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? "" })),
      })
      .catch((error: unknown) => {
        throw queues.onError(error, queues.dlqUrl);
      });
  }
  return { moved: delivered.length, failed: sent.Failed?.length ?? 0 };
}

/**
 * Moves every message of a dead-letter queue back to the main queue: receive, send (body and attributes kept,
 * the original MessageId signed, see replay-id.ts), and only then delete from the dead-letter queue. A crash in
 * between leaves a message in both queues, never in neither; the ledger makes the extra copy harmless.
 */
export async function replayDeadLetters(wire: SqsWire, queues: ReplayQueues): Promise<ReplayResult> {
  let moved = 0;
  let failed = 0;
  for (;;) {
    const received = await wire
      .call<{ Messages?: Message[] }>("ReceiveMessage", {
        QueueUrl: queues.dlqUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 60,
        MessageAttributeNames: ["All"],
      })
      .catch((error: unknown) => {
        throw queues.onError(error, queues.dlqUrl);
      });
    // A corrupted body is not sent on: the receive fails, and the messages stay in the dead-letter queue.
    const mismatch = checksumMismatch(received.Messages ?? []);
    if (mismatch !== undefined) throw queues.onError(mismatch, queues.dlqUrl);
    const messages = (received.Messages ?? []).filter(
      (m) => m.MessageId !== undefined && m.ReceiptHandle !== undefined,
    );
    if (messages.length === 0) return { moved, failed };
    let refused = 0;
    for (const group of inBatchesOfTen(messages, (m) => Buffer.byteLength(m.Body ?? ""), SEND_BATCH_BYTES)) {
      const result = await moveGroup(wire, group, queues);
      moved += result.moved;
      refused += result.failed;
    }
    failed += refused;
    if (refused === messages.length) return { moved, failed };
  }
}
