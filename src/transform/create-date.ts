/**
 * The UTC calendar date of the event, taken from SQS's SentTimestamp (milliseconds since the epoch): the
 * messages carry no time of their own, and the send time stays right when a backlog is replayed days later.
 * Falls back to the receive time only when the attribute is missing or unusable.
 */
export function createDate(sentTimestampMs: number | undefined, receivedAt: Date): string {
  const time =
    sentTimestampMs !== undefined && Number.isFinite(sentTimestampMs) && sentTimestampMs > 0
      ? sentTimestampMs
      : receivedAt.getTime();
  return new Date(time).toISOString().slice(0, 10);
}
