/**
 * The one error vocabulary. Every failure that crosses a module boundary is a SecureLogError carrying a stable
 * `code`, the exit code the CLI should use, and a `disposition` that tells the caller what to do with it:
 *
 * - `retry`: an outage (database or SQS unreachable, a serialization race); the same call may succeed later,
 *   so loops retry it within --max-retry-time (see RetryWindow);
 * - `data`: the database refused a value of this batch; the batch is split until the message responsible is
 *   stored as a rejection (pipeline.ts);
 * - `fatal`: retrying cannot help; the run stops and the operator must act.
 *
 * Messages never contain raw PII or secrets: callers build them from configuration and error codes only,
 * never from message bodies.
 */
export type Disposition = "retry" | "data" | "fatal";

export interface SecureLogErrorOptions {
  exitCode?: 1 | 2;
  disposition?: Disposition;
  cause?: unknown;
}

export class SecureLogError extends Error {
  readonly code: string;
  readonly exitCode: 1 | 2;
  readonly disposition: Disposition;

  constructor(code: string, message: string, options: SecureLogErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SecureLogError";
    this.code = code;
    this.exitCode = options.exitCode ?? 1;
    this.disposition = options.disposition ?? "fatal";
  }
}

/** Bad usage or configuration: exit code 2, fatal. */
export class ConfigError extends SecureLogError {
  constructor(message: string, code = "bad_config") {
    super(code, message, { exitCode: 2 });
    this.name = "ConfigError";
  }
}

/** Turns anything thrown into an Error, so every catch site handles one type. */
export function coerceError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  if (typeof thrown === "string") return new Error(thrown);
  return new Error(`non-error thrown: ${Object.prototype.toString.call(thrown)}`);
}

/** Reads `code` (errno or SQLSTATE) off an error or its causes without trusting their shape. */
export function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === "object"; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && code !== "") return code;
    // net reports a refused dual-stack connect (::1 and 127.0.0.1) as an AggregateError.
    const inner = (current as { errors?: unknown }).errors;
    current = Array.isArray(inner) && inner.length > 0 ? inner[0] : (current as { cause?: unknown }).cause;
  }
  return undefined;
}
