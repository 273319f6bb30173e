// The messages between the pipeline (receiving thread) and the writer thread. Everything crossing is either
// counts, reason codes, sanitized error messages, or the packed messages themselves: never a raw value in an
// error, exactly as in one thread.
import type { AppVersionMode, MaskConfig, SqsConfig } from "../config.ts";
import { SecureLogError } from "../errors.ts";
import { SinkError, type WriteResult } from "../sink/row-sink.ts";
import type { Rejection } from "./batch-writer.ts";
import type { PackedStrings, WireBatch } from "./wire-batch.ts";

/** What the writer thread needs to build its transformer, sink and SQS client; cloned into it (KeyObjects clone). */
export interface WriterSetup {
  readonly databaseUrl: string;
  /** Schema of SecureLog's tables. */
  readonly schema: string;
  /** Connections in the thread's pool: one per concurrent batch. */
  readonly poolSize: number;
  readonly mask: MaskConfig;
  readonly appVersion: AppVersionMode;
  readonly sqs: SqsConfig;
  /** HTTP sockets for the thread's deletes. */
  readonly maxSockets: number;
}

export type WriterRequest =
  | {
      readonly type: "write";
      readonly seq: number;
      readonly batch: WireBatch;
      readonly rejectAs?: Rejection;
    }
  | { readonly type: "delete"; readonly seq: number; readonly receiptHandles: PackedStrings }
  | { readonly type: "close" };

export type WireError =
  | {
      readonly kind: "sink";
      readonly failure: SinkError["failure"];
      readonly code?: string;
      readonly message: string;
    }
  | {
      readonly kind: "securelog";
      readonly code: string;
      readonly message: string;
      readonly exitCode: 1 | 2;
      readonly retryable: boolean;
    }
  | { readonly kind: "other"; readonly message: string };

export type WriterReply =
  | { readonly type: "written"; readonly seq: number; readonly result: WriteResult }
  | { readonly type: "deleted"; readonly seq: number; readonly deleted: number; readonly failed: number[] }
  | { readonly type: "failed"; readonly seq: number; readonly error: WireError }
  | { readonly type: "idleError"; readonly message: string };

export function toWireError(error: unknown): WireError {
  if (error instanceof SinkError)
    return {
      kind: "sink",
      failure: error.failure,
      ...(error.code === undefined ? {} : { code: error.code }),
      message: error.message,
    };
  if (error instanceof SecureLogError)
    return {
      kind: "securelog",
      code: error.code,
      message: error.message,
      exitCode: error.exitCode,
      retryable: error.retryable,
    };
  return { kind: "other", message: error instanceof Error ? error.message : String(error) };
}

export function fromWireError(error: WireError): Error {
  if (error.kind === "sink") return new SinkError(error.failure, error.code, error.message, undefined);
  if (error.kind === "securelog")
    return new SecureLogError(error.code, error.message, {
      exitCode: error.exitCode,
      retryable: error.retryable,
    });
  return new SecureLogError("internal", `the writer thread failed: ${error.message}`);
}
