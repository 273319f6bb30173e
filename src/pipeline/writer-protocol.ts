// The messages between the pipeline (receiving thread) and the writer thread. Everything crossing is either
// counts, reason codes, sanitized error messages, or the packed messages themselves: never a raw value in an
// error, exactly as in one thread.
import type { SqsConfig } from "../config.ts";
import { coerceError, type Disposition, SecureLogError } from "../errors.ts";
import type { WriteResult } from "../sink/row-sink.ts";
import type { AppVersionMode } from "../transform/app-version.ts";
import type { MaskConfig } from "../transform/mask.ts";
import type { Rejection } from "./batch-writer.ts";
import type { PackedStrings, WireBatch } from "./wire-batch.ts";

/** What the writer thread needs to build its transformer, sink and SQS client: its first message (KeyObjects clone). */
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
  | { readonly type: "setup"; readonly setup: WriterSetup }
  | {
      readonly type: "write";
      readonly seq: number;
      readonly batch: WireBatch;
      readonly rejectAs?: Rejection;
    }
  | { readonly type: "delete"; readonly seq: number; readonly receiptHandles: PackedStrings }
  | { readonly type: "close" };

/** A SecureLogError as it crosses the thread boundary: the same fields, nothing else. */
export interface WireError {
  readonly code: string;
  readonly message: string;
  readonly exitCode: 1 | 2;
  readonly disposition: Disposition;
}

export type WriterReply =
  | { readonly type: "written"; readonly seq: number; readonly result: WriteResult }
  | { readonly type: "deleted"; readonly seq: number; readonly deleted: number; readonly failed: number[] }
  | { readonly type: "failed"; readonly seq: number; readonly error: WireError }
  | { readonly type: "idleError"; readonly message: string };

export function toWireError(thrown: unknown): WireError {
  const error =
    thrown instanceof SecureLogError
      ? thrown
      : new SecureLogError("internal", `the writer thread failed: ${coerceError(thrown).message}`);
  return {
    code: error.code,
    message: error.message,
    exitCode: error.exitCode,
    disposition: error.disposition,
  };
}

export function fromWireError(error: WireError): SecureLogError {
  return new SecureLogError(error.code, error.message, {
    exitCode: error.exitCode,
    disposition: error.disposition,
  });
}
