/**
 * The errno codes of a connection that failed or could not be made: a peer that is down, restarting, briefly
 * unreachable or not yet in DNS. The one list for every client (the SQS wire's own attempts, the SQS and the
 * PostgreSQL classifiers): each of them is worth retrying within --max-retry-time, and three copies had drifted.
 */
export const RETRYABLE_NETWORK_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);
