import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BatchBuffer } from "../../src/pipeline/batch-buffer.ts";
import { InFlightBudget } from "../../src/pipeline/in-flight-budget.ts";
import type { SourceMessage } from "../../src/source/message.ts";

const message = (body: string, id = body): SourceMessage => ({
  id,
  body,
  receiptHandle: `r-${id}`,
  sentTimestampMs: undefined,
  receiveCount: 1,
  receivedAt: new Date(0),
});

describe("the in-flight budget and the batch buffer count one unit: UTF-8 bytes", () => {
  it("counts a body in UTF-8 bytes, as SQS and PostgreSQL do, not in UTF-16 units", () => {
    assert.equal(new BatchBuffer(10, 10_000).push([message("é".repeat(100)), message("€")]), 200 + 3);
  });

  it("refuses a receive that would pass the byte bound, and gives room back on release", () => {
    const budget = new InFlightBudget(100, 4000);
    const size = { count: 1, bytes: 1024 };
    assert.equal(budget.reserve(size), true);
    budget.admit(1, new BatchBuffer(10, 10_000).push([message("é".repeat(1500))]));
    budget.unreserve(size);
    assert.equal(budget.reserve(size), false, "3000 held bytes and 1024 more pass 4000");
    budget.release(1, 3000);
    assert.equal(budget.messages, 0);
    assert.equal(budget.reserve(size), true);
  });

  it("lets one receive through when nothing is held, however large, so a huge message is never stuck", () => {
    const budget = new InFlightBudget(100, 1024);
    assert.equal(budget.reserve({ count: 10, bytes: 10 * 1024 * 1024 }), true);
  });

  it("receives fewer large messages at a time, from the body size lately seen", () => {
    const budget = new InFlightBudget(100, 64 * 1024 * 1024);
    assert.equal(budget.nextReceive().count, 10);
    budget.admit(1, 512 * 1024);
    assert.deepEqual(budget.nextReceive(), { count: 2, bytes: 1024 * 1024 });
  });

  it("cuts a batch by the bytes of its bodies, and always takes at least one message", () => {
    const buffer = new BatchBuffer(100, 1000);
    buffer.push([
      message("é".repeat(300), "a"),
      message("é".repeat(300), "b"),
      message("x".repeat(5000), "c"),
    ]);
    const first = buffer.take();
    assert.deepEqual(
      first.messages.map((m) => m.id),
      ["a"],
      "two 600-byte bodies pass 1000 bytes, though they are 600 UTF-16 units",
    );
    assert.equal(first.bytes, 600);
    assert.deepEqual(
      buffer.take().messages.map((m) => m.id),
      ["b"],
    );
    const huge = buffer.take();
    assert.deepEqual(
      huge.messages.map((m) => m.id),
      ["c"],
    );
    assert.equal(huge.bytes, 5000);
    assert.equal(buffer.length, 0);
  });
});
