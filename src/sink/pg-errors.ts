import { type Disposition, errorCode, SecureLogError } from "../errors.ts";
import { RETRYABLE_NETWORK_CODES } from "../network-errors.ts";
import { sinkRefused } from "../reject-reason.ts";

/** Messages node-postgres throws without a code when a connection dies or the pool cannot connect in time. */
const RETRY_MESSAGES = [
  "Connection terminated",
  "timeout exceeded when trying to connect",
  "Client has encountered a connection error",
  "Connection ended unexpectedly",
  "server closed the connection",
];

/**
 * SQLSTATEs a later attempt can clear: the statement or lock wait timed out (a role's statement_timeout or
 * lock_timeout while another session holds a lock, e.g. a non-concurrent CREATE INDEX), an operator cancelled it,
 * the transaction lost a serialization race or a deadlock, or the object is briefly in use. Retrying each within
 * --max-retry-time turns a blocking DDL into a pause instead of a crash loop of every replica.
 */
const RETRY_SQLSTATES = new Set(["57014", "55P03", "55006", "40001", "40P01", "25P02"]);

/**
 * The disposition of a failed database operation, decided once, here, by what a retry can fix: `retry` when the
 * server or the connection is (maybe briefly) unavailable, a wait timed out, or the transaction lost a race;
 * `data` when PostgreSQL refused a value of the batch (the same batch fails the same way, so it is split to find
 * the message responsible); `fatal` for anything else (missing privilege, wrong schema).
 */
export function classifySinkError(error: unknown): Disposition {
  const code = errorCode(error);
  if (code !== undefined) {
    if (RETRYABLE_NETWORK_CODES.has(code)) return "retry";
    const sqlClass = code.length === 5 ? code.slice(0, 2) : "";
    // 08 connection exception, 53 insufficient resources (too many connections, disk full), 57P0x shutdown.
    if (sqlClass === "08" || sqlClass === "53" || code.startsWith("57P") || RETRY_SQLSTATES.has(code)) {
      return "retry";
    }
    if (sqlClass === "22" || sqlClass === "23") return "data";
    if (sqlClass !== "") return "fatal";
  }
  const message = error instanceof Error ? error.message : "";
  return RETRY_MESSAGES.some((m) => message.includes(m)) ? "retry" : "fatal";
}

/**
 * A one-line description that is safe to log: PostgreSQL's data errors (classes 22 and 23) quote the offending
 * value, which may be personal data, so for those only the SQLSTATE is kept; `detail` is never used.
 */
export function describeSinkError(error: unknown): string {
  const code = errorCode(error);
  const sqlClass = code !== undefined && code.length === 5 ? code.slice(0, 2) : "";
  if (sqlClass === "22" || sqlClass === "23") return `PostgreSQL refused a value (SQLSTATE ${code})`;
  const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
  return code === undefined ? (message ?? "unknown error") : `${message} (${code})`;
}

/** host:port/database of a connection string, without user or password. */
export function describeDatabase(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    return `${url.hostname || "localhost"}:${url.port || "5432"}${url.pathname || "/"}`;
  } catch {
    return "the configured database";
  }
}

export function databaseUnreachable(databaseUrl: string, cause: unknown): SecureLogError {
  return new SecureLogError(
    "database_unreachable",
    `cannot reach PostgreSQL at ${describeDatabase(databaseUrl)}: ${describeSinkError(cause)}. Is it running, and is --database-url / DATABASE_URL right?`,
    { exitCode: 1, disposition: "retry", cause },
  );
}

/**
 * A failed write of a batch, as the pipeline handles it. A refused value's code is the reason its message is
 * stored under once isolated (`sink_refused:<SQLSTATE>`).
 */
export function sinkWriteError(error: unknown): SecureLogError {
  const disposition = classifySinkError(error);
  const description = describeSinkError(error);
  switch (disposition) {
    case "retry":
      return new SecureLogError("database_unreachable", description, { disposition, cause: error });
    case "data":
      return new SecureLogError(sinkRefused(errorCode(error)), description, {
        disposition,
        cause: error,
      });
    case "fatal":
      return new SecureLogError("sink_failed", `writing to PostgreSQL failed: ${description}`, {
        disposition,
        cause: error,
      });
  }
}
