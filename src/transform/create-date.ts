/**
 * The UTC calendar date of the event, taken from SQS's SentTimestamp (milliseconds since the epoch): the
 * messages carry no time of their own, and the send time stays right when a backlog is replayed days later.
 * Falls back to the receive time only when the attribute is missing or unusable.
 */
const DAY_MS = 86_400_000;
let cachedDay = Number.NaN;
let cachedDate = "";

export function createDate(sentTimestampMs: number | undefined, receivedAt: Date): string {
  const time =
    sentTimestampMs !== undefined && Number.isFinite(sentTimestampMs) && sentTimestampMs > 0
      ? sentTimestampMs
      : receivedAt.getTime();
  // Nearly every message of a batch falls on the same UTC day: format each day once.
  const day = Math.floor(time / DAY_MS);
  if (day !== cachedDay) {
    cachedDay = day;
    cachedDate = new Date(day * DAY_MS).toISOString().slice(0, 10);
  }
  return cachedDate;
}
