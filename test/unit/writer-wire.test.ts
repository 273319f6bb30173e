import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { SecureLogError } from "../../src/errors.ts";
import { packMessages, packStrings, unpackMessages, unpackStrings } from "../../src/pipeline/wire-batch.ts";
import { fromWireError, toWireError } from "../../src/pipeline/writer-protocol.ts";
import { sinkWriteError } from "../../src/sink/pg-errors.ts";
import type { SourceMessage } from "../../src/source/message.ts";

const message = fc.record({
  id: fc.string({ maxLength: 80 }),
  receiptHandle: fc.string({ maxLength: 40 }),
  // Full Unicode, lone surrogates included: packing works on UTF-16 offsets, as String.prototype.slice does.
  body: fc.string({ unit: "binary", maxLength: 300 }),
  sentTimestampMs: fc.option(fc.integer({ min: 0, max: 2 ** 42 }), { nil: undefined }),
  receiveCount: fc.integer({ min: 1, max: 1000 }),
  receivedAt: fc.integer({ min: 0, max: 2 ** 42 }).map((ms) => new Date(ms)),
});

describe("messages crossing to the writer thread", () => {
  it("unpack gives back every field but the receipt handle, for any ids and bodies", () => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 30 }), (messages: SourceMessage[]) => {
        const unpacked = unpackMessages(structuredClone(packMessages(messages)));
        assert.deepEqual(
          unpacked,
          messages.map((m) => ({ ...m, receiptHandle: "" })),
        );
      }),
    );
  });

  it("packs strings end to end with their offsets, empty strings included", () => {
    const values = ["", "a", "", "ü€😀", "x".repeat(1000), ""];
    const packed = packStrings(values);
    assert.equal(packed.joined, values.join(""));
    assert.deepEqual(unpackStrings(packed), values);
  });

  it("messages of one receive share one Date after unpacking, as they did before", () => {
    const receivedAt = new Date("2026-11-25T12:00:00Z");
    const base = { receiptHandle: "h", body: "{}", sentTimestampMs: undefined, receiveCount: 1, receivedAt };
    const [a, b] = unpackMessages(
      packMessages([
        { ...base, id: "a" },
        { ...base, id: "b" },
      ]),
    );
    assert.ok(a !== undefined && b !== undefined);
    assert.equal(a.receivedAt, b.receivedAt);
  });
});

describe("errors crossing back from the writer thread", () => {
  it("a refused value keeps its disposition, SQLSTATE and message, so the pipeline isolates it as before", () => {
    const error = fromWireError(
      toWireError(sinkWriteError(Object.assign(new Error("invalid byte sequence"), { code: "22021" }))),
    );
    assert.ok(error instanceof SecureLogError);
    assert.deepEqual(
      [error.disposition, error.code, error.message],
      ["data", "sink_refused:22021", "PostgreSQL refused a value (SQLSTATE 22021)"],
    );
  });

  it("a SecureLogError keeps its code, exit code and disposition", () => {
    const error = fromWireError(
      toWireError(
        new SecureLogError("sqs_unreachable", "cannot reach SQS", { exitCode: 2, disposition: "retry" }),
      ),
    );
    assert.ok(error instanceof SecureLogError);
    assert.deepEqual(
      [error.code, error.exitCode, error.disposition, error.message],
      ["sqs_unreachable", 2, "retry", "cannot reach SQS"],
    );
  });

  it("anything else is reported as an internal failure of the writer thread", () => {
    const error = fromWireError(toWireError(new TypeError("boom")));
    assert.ok(error instanceof SecureLogError);
    assert.equal(error.code, "internal");
    assert.equal(error.message, "the writer thread failed: boom");
  });
});
