/**
 * A message as the transform sees it: the body and what the queue says about it. The source adds how to delete
 * it (SourceMessage); nothing here depends on where it came from.
 */
export interface ReceivedMessage {
  /** SQS MessageId: stable across redeliveries, so it keys the idempotency ledger. */
  readonly id: string;
  readonly body: string;
  /** SQS SentTimestamp in milliseconds, when the source knows it. */
  readonly sentTimestampMs: number | undefined;
  readonly receiveCount: number;
  readonly receivedAt: Date;
}
