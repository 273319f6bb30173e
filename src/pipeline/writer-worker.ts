// The writer thread (see WriterThread): transforms and commits the batches the pipeline sends, and deletes the
// messages it is told to, one reply per request. Its first message is its setup: it is started before the
// configuration is known (writer-spawn.ts), so that its modules load while the command's own do.
import { parentPort } from "node:worker_threads";
import { PgSink } from "../sink/pg-sink.ts";
import { tablesIn } from "../sink/sql/tables.ts";
import { SqsAcknowledger } from "../source/sqs-acknowledger.ts";
import { transformsFor } from "../transform/transform.ts";
import { TransformingWriter } from "./batch-writer.ts";
import { unpackMessages, unpackStrings } from "./wire-batch.ts";
import { toWireError, type WriterReply, type WriterRequest, type WriterSetup } from "./writer-protocol.ts";

if (parentPort === null) throw new Error("writer-worker.ts runs only as a worker thread");
const port = parentPort;
const reply = (message: WriterReply) => port.postMessage(message);

function serve(setup: WriterSetup): (request: WriterRequest) => void {
  const { transform, reject } = transformsFor(setup.mask, setup.appVersion);
  const writer = new TransformingWriter(
    new PgSink({
      databaseUrl: setup.databaseUrl,
      tables: tablesIn(setup.schema),
      rejecter: reject,
      poolSize: setup.poolSize,
      onIdleError: (error) => reply({ type: "idleError", message: error.message }),
    }),
    transform,
    reject,
  );
  const acknowledger = SqsAcknowledger.open(setup.sqs, setup.maxSockets);
  let busy = 0;
  let closing = false;

  function settle(seq: number, work: Promise<WriterReply>): void {
    busy++;
    work
      .catch((error: unknown): WriterReply => ({ type: "failed", seq, error: toWireError(error) }))
      .then((message) => {
        reply(message);
        if (--busy === 0 && closing) void close();
      });
  }

  async function close(): Promise<void> {
    acknowledger.close();
    await writer.close().catch(() => undefined);
    port.close();
  }

  return (request) => {
    if (request.type === "setup") throw new Error("the writer thread was set up twice");
    if (request.type === "close") {
      closing = true;
      if (busy === 0) void close();
    } else if (request.type === "write") {
      const messages = unpackMessages(request.batch);
      settle(
        request.seq,
        writer
          .write(messages, request.rejectAs)
          .then((result) => ({ type: "written", seq: request.seq, result })),
      );
    } else {
      // Failures come back as indexes into the request: the main thread maps them back to its messages.
      settle(
        request.seq,
        acknowledger.deleteHandles(unpackStrings(request.receiptHandles)).then(({ done, failed }) => ({
          type: "deleted",
          seq: request.seq,
          deleted: done,
          failed: [...failed],
        })),
      );
    }
  };
}

let handle: ((request: WriterRequest) => void) | undefined;
port.on("message", (request: WriterRequest) => {
  if (handle !== undefined) handle(request);
  else if (request.type === "setup") handle = serve(request.setup);
  else throw new Error(`the writer thread was sent ${request.type} before its setup`);
});
