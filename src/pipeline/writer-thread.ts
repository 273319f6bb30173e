import type { Worker } from "node:worker_threads";
import { SecureLogError } from "../errors.ts";
import type { WriteResult } from "../sink/row-sink.ts";
import type { Acknowledger, DeleteResult, SourceMessage } from "../source/message.ts";
import type { BatchWriter, Rejection } from "./batch-writer.ts";
import { packMessages, packStrings, transferables } from "./wire-batch.ts";
import { fromWireError, type WriterReply, type WriterRequest, type WriterSetup } from "./writer-protocol.ts";
import { takeWriter } from "./writer-spawn.ts";

interface Pending {
  resolve(reply: WriterReply): void;
  reject(error: Error): void;
}

/**
 * The write stage, and the SQS deletes, in a worker thread. Receiving, transforming, writing and deleting all
 * cost CPU in one JavaScript thread, and on a busy queue that thread was the limit: the SQS client alone costs
 * as much per message as everything else. Here the receiving thread only receives and keeps the books, and this
 * thread transforms, commits and deletes, on another core (docs/benchmarks.md).
 *
 * The pipeline still decides everything: it asks for a commit, waits for the answer, and only then asks for the
 * delete. This class only carries the calls across.
 */
export class WriterThread implements BatchWriter, Acknowledger {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  readonly #exited: Promise<void>;
  #seq = 0;
  #dead: Error | undefined;

  constructor(setup: WriterSetup, onIdleError: (message: string) => void) {
    // Usually started at the process's start (writer-spawn.ts) and loaded by now; told its setup first. Held
    // only while a call is waiting for its answer (see #call), so a thread nobody closed never keeps the process
    // alive on its own.
    const spawned = takeWriter();
    this.#worker = spawned.worker;
    this.#worker.postMessage({ type: "setup", setup } satisfies WriterRequest);
    this.#worker.on("message", (reply: WriterReply) => {
      if (reply.type === "idleError") return onIdleError(reply.message);
      const pending = this.#pending.get(reply.seq);
      this.#pending.delete(reply.seq);
      if (this.#pending.size === 0) this.#worker.unref();
      if (reply.type === "failed") pending?.reject(fromWireError(reply.error));
      else pending?.resolve(reply);
    });
    // An error (a module that failed to load, a bug) ends the thread: its calls are failed when it has ended.
    this.#exited = spawned.exited.then((code) => {
      const failure = spawned.failure();
      this.#die(
        failure === undefined
          ? `the writer thread exited (code ${code})`
          : `the writer thread failed: ${failure.message}`,
      );
    });
  }

  async write(messages: readonly SourceMessage[], rejectAs?: Rejection): Promise<WriteResult> {
    const batch = packMessages(messages);
    const reply = await this.#call(
      { type: "write", seq: ++this.#seq, batch, ...(rejectAs === undefined ? {} : { rejectAs }) },
      transferables(batch),
    );
    if (reply.type !== "written") throw new SecureLogError("internal", `unexpected reply ${reply.type}`);
    return reply.result;
  }

  /** SQS DeleteMessageBatch, sent from the writer thread. */
  async delete(messages: readonly SourceMessage[]): Promise<DeleteResult> {
    const receiptHandles = packStrings(messages.map((m) => m.receiptHandle));
    const reply = await this.#call(
      { type: "delete", seq: ++this.#seq, receiptHandles },
      transferables(receiptHandles),
    );
    if (reply.type !== "deleted") throw new SecureLogError("internal", `unexpected reply ${reply.type}`);
    return { deleted: reply.deleted, failed: reply.failed.flatMap((i) => messages[i] ?? []) };
  }

  /** Ends the thread once the calls in progress are answered: its connections close, nothing is cut short. */
  async close(): Promise<void> {
    if (this.#seq === 0) {
      // Never asked for anything (an empty queue): nothing to finish, and no reason to wait while the thread is
      // still loading its modules only to be told to close.
      await this.#worker.terminate();
      return;
    }
    if (this.#dead === undefined) {
      this.#worker.ref();
      this.#worker.postMessage({ type: "close" } satisfies WriterRequest);
    }
    await this.#exited;
  }

  #call(request: WriterRequest & { seq: number }, transfer: ArrayBuffer[]): Promise<WriterReply> {
    if (this.#dead !== undefined) return Promise.reject(this.#dead);
    return new Promise((resolve, reject) => {
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(request.seq, { resolve, reject });
      this.#worker.postMessage(request, transfer);
    });
  }

  #die(message: string): void {
    this.#dead ??= new SecureLogError("internal", message);
    for (const pending of this.#pending.values()) pending.reject(this.#dead);
    this.#pending.clear();
  }
}
