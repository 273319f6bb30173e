import { hash } from "node:crypto";
import { errorCode, SecureLogError } from "../errors.ts";
import { RETRYABLE_NETWORK_CODES } from "../network-errors.ts";
import type { Message } from "./sqs-shapes.ts";

export type SourceFailure = "retry" | "queue_missing" | "access" | "fatal";

const ACCESS_NAMES = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "CredentialsProviderError",
]);

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : "";
}

/** Decides, where the error enters, whether an SQS call is worth repeating. */
export function classifySourceError(error: unknown): SourceFailure {
  const name = errorName(error);
  const code = errorCode(error) ?? "";
  if (
    name === "QueueDoesNotExist" ||
    code.includes("NonExistentQueue") ||
    name.includes("NonExistentQueue")
  ) {
    return "queue_missing";
  }
  if (ACCESS_NAMES.has(name) || ACCESS_NAMES.has(code)) return "access";
  if (RETRYABLE_NETWORK_CODES.has(code) || name === "TimeoutError" || name === "RequestTimeout")
    return "retry";
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return "retry";
  if (name.includes("Throttl") || name === "RequestThrottled" || name === "OverLimit") return "retry";
  return "fatal";
}

function describe(error: unknown): string {
  const code = errorCode(error);
  const name = errorName(error);
  const message = error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error);
  if (code !== undefined && RETRYABLE_NETWORK_CODES.has(code)) return code;
  return [name, message].filter((part) => part !== "" && part !== "Error").join(": ") || "unknown error";
}

/** The one-line error an operator sees for a failed SQS call; names the queue and what to check. */
export function sourceError(error: unknown, queueUrl: string, endpoint: string | undefined): SecureLogError {
  const failure = classifySourceError(error);
  const where = endpoint ?? new URL(queueUrl).origin;
  switch (failure) {
    case "queue_missing":
      return new SecureLogError(
        "queue_not_found",
        `the queue ${queueUrl} does not exist at ${where}. Create it, or fix --queue-url / SQS_QUEUE_URL.`,
        { cause: error },
      );
    case "access":
      return new SecureLogError(
        "sqs_access_denied",
        `SQS refused the credentials for ${queueUrl} (${describe(error)}). Check AWS_PROFILE / AWS_ACCESS_KEY_ID and the queue's policy.`,
        { cause: error },
      );
    case "retry":
      return new SecureLogError(
        "sqs_unreachable",
        `cannot reach SQS at ${where} (${describe(error)}). Is the endpoint running, and are --endpoint / AWS_ENDPOINT_URL and --queue-url right?`,
        { cause: error, disposition: "retry" },
      );
    case "fatal":
      return new SecureLogError("sqs_error", `SQS call failed for ${queueUrl}: ${describe(error)}`, {
        cause: error,
      });
  }
}

/** A failed SQS call: `name` is the error type (`QueueDoesNotExist`), `code` the query-compatible code. */
export class SqsCallError extends Error {
  readonly code: string | undefined;
  readonly $metadata: { readonly httpStatusCode: number };

  constructor(name: string, code: string | undefined, message: string, status: number) {
    super(message);
    this.name = name;
    this.code = code;
    this.$metadata = { httpStatusCode: status };
  }
}

const RETRYABLE_TYPES = new Set([
  "ThrottlingException",
  "RequestThrottled",
  "KmsThrottled",
  "ServiceUnavailable",
  "InternalError",
  "InternalFailure",
  "RequestTimeout",
]);

/** Whether the wire may try a failed call again: throttling, 5xx and dropped connections. */
export function retryable(error: unknown): boolean {
  if (error instanceof SqsCallError) {
    const status = error.$metadata.httpStatusCode;
    return (
      status >= 500 || status === 429 || RETRYABLE_TYPES.has(error.name) || error.name.includes("Throttl")
    );
  }
  return RETRYABLE_NETWORK_CODES.has((error as { code?: string }).code ?? "");
}

/**
 * undici reports a dropped or timed-out connection with codes of its own (UND_ERR_SOCKET, …_TIMEOUT); give it the
 * errno the rest of SecureLog classifies and names (sqs-errors.ts), keeping undici's error as the cause.
 */
export function connectionError(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== "string" || !code.startsWith("UND_ERR")) return error;
  const causeCode = (error as { cause?: { code?: unknown } }).cause?.code;
  const errno =
    typeof causeCode === "string" ? causeCode : code.includes("TIMEOUT") ? "ETIMEDOUT" : "ECONNRESET";
  return Object.assign(new Error((error as Error).message), { code: errno, cause: error });
}

/** `{"__type": "com.amazonaws.sqs#QueueDoesNotExist", "message": …}` plus `x-amzn-query-error: Code;Sender`. */
export function toError(
  parsed: unknown,
  queryError: string | string[] | undefined,
  status: number,
): SqsCallError {
  const fields = (parsed ?? {}) as { __type?: unknown; message?: unknown; Message?: unknown };
  const type =
    typeof fields.__type === "string" ? (fields.__type.split("#").at(-1) ?? fields.__type) : `Http${status}`;
  const code = typeof queryError === "string" ? queryError.split(";")[0] : undefined;
  const message =
    typeof fields.message === "string"
      ? fields.message
      : typeof fields.Message === "string"
        ? fields.Message
        : type;
  return new SqsCallError(type, code, message, status);
}

/**
 * As the SDK does: a received body that does not match the MD5 SQS stored is not trusted. The error for the first
 * such message (the receive fails, is retried, and the messages come back after their visibility timeout), or
 * undefined when every body is intact.
 */
export function checksumMismatch(messages: readonly Message[]): SqsCallError | undefined {
  for (const message of messages) {
    // One-shot crypto.hash: less CPU than a Hash object for a body this small, and no object to collect.
    if (message.MD5OfBody !== undefined && hash("md5", message.Body ?? "", "hex") !== message.MD5OfBody)
      return new SqsCallError("ChecksumMismatch", undefined, "a message body does not match its MD5", 502);
  }
  return undefined;
}
