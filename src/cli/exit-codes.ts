/** Every exit code SecureLog uses, described once: the main help, the README and the runbook show this list. */
export const EXIT_CODES: readonly { readonly code: number; readonly meaning: string }[] = [
  { code: 0, meaning: "done (drained, or stopped by a signal after finishing its in-flight batches)" },
  {
    code: 1,
    meaning:
      "runtime failure: database or SQS unreachable (at start-up, or beyond --max-retry-time), queue missing, credentials refused, an erasure left incomplete",
  },
  {
    code: 2,
    meaning:
      "bad usage or configuration: unknown flag, bad URL, missing or bad key, a table that does not match",
  },
  {
    code: 130,
    meaning: "a second SIGINT/SIGTERM: exited at once, leaving uncommitted messages to the queue",
  },
];
