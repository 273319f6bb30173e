import { type Disposition, errorCode, SecureLogError } from "../errors.ts";
import { sinkRefused } from "../transform/validate.ts";

const RETRY_ERRNOS = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNABORTED",
]);

/** Messages node-postgres throws without a code when a connection dies or the pool cannot connect in time. */
const RETRY_MESSAGES = [
  "Connection terminated",
  "timeout exceeded when trying to connect",
  "Client has encountered a connection error",
  "Connection ended unexpectedly",
  "server closed the connection",
];

/**
 * The disposition of a failed database operation, decided once, here, by cause: `retry` when the server or
 * the connection is (maybe briefly) unavailable or the transaction lost a race; `data` when PostgreSQL refused
 * a value of the batch (the same batch fails the same way, so it is split to find the message responsible);
 * `fatal` for anything else (missing privilege, wrong schema).
 */
export function classifySinkError(error: unknown): Disposition {
  const code = errorCode(error);
  if (code !== undefined) {
    if (RETRY_ERRNOS.has(code)) return "retry";
    const sqlClass = code.length === 5 ? code.slice(0, 2) : "";
    // 08 connection exception, 53 insufficient resources, 57P0x shutdown/crash, 40001/40P01 races.
    if (
      sqlClass === "08" ||
      sqlClass === "53" ||
      code.startsWith("57P") ||
      code === "40001" ||
      code === "40P01"
    ) {
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
