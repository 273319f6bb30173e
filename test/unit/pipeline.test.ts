import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RunSummary } from "../../src/ops/summary.ts";
import { BatchWriter } from "../../src/pipeline/batch-writer.ts";
import { createPipelineEvents } from "../../src/pipeline/events.ts";
import { VisibilityHeartbeat } from "../../src/pipeline/heartbeat.ts";
import { HeldMessages } from "../../src/pipeline/held-messages.ts";
import { Pipeline } from "../../src/pipeline/pipeline.ts";
import type { PipelineOptions } from "../../src/pipeline/pipeline-options.ts";
import type { RowSink } from "../../src/sink/row-sink.ts";
import type { Acknowledger, DeleteResult, MessageSource, SourceMessage } from "../../src/source/message.ts";
import { createMasker } from "../../src/transform/mask.ts";
import { createRejecter, createTransformer } from "../../src/transform/transform.ts";
import { generateEvents } from "../fixtures/sample-events.ts";
import { MemorySink, MemorySource, testPipelineOptions } from "../helpers/memory.ts";

const masker = createMasker({ mode: "sha256" });
const OPTIONS: PipelineOptions = testPipelineOptions({
  concurrency: 3,
  batchSize: 25,
  writers: 2,
  maxRetryTimeMs: 60_000,
});

function pipeline(
  source: MessageSource & Acknowledger,
  sink: RowSink,
  options: Partial<PipelineOptions> = {},
) {
  const events = createPipelineEvents();
  const summary = new RunSummary(events);
  const instance = new Pipeline(
    {
      source,
      acknowledger: source,
      writer: new BatchWriter(sink, createTransformer(masker, "major"), createRejecter(masker)),
      events,
    },
    { ...OPTIONS, ...options },
  );
  return { instance, events, summary };
}

const bodies = (n: number) => generateEvents(n, { seed: 3, badRatio: 0.1 }).map((e) => e.body);

describe("pipeline", () => {
  it("deletes a message only after the batch holding it has committed", async () => {
    const sink = new MemorySink();
    // Recorded, not thrown: an assertion thrown inside delete() would be caught by the acknowledger's retry, which
    // tries again once the commit has landed, and the test could never fail.
    const violations: string[] = [];
    const source = new MemorySource(bodies(500), (ids) => {
      for (const id of ids) if (!sink.committed.has(id)) violations.push(id);
    });
    const { instance, summary } = pipeline(source, sink);
    await instance.run();
    assert.deepEqual(violations, [], "deleted before their commit");
    assert.equal(sink.committed.size, 500);
    assert.equal(source.deleted.length, 500);
    const counts = summary.counts();
    assert.equal(counts.loaded + counts.rejected, 500);
    assert.equal(counts.deleted, 500);
  });

  it("cuts batches by body bytes as well as by count, and never below one message", async () => {
    const sink = new MemorySink({ delayMs: 5 });
    const all = bodies(300);
    const source = new MemorySource([...all, "x".repeat(5000)]);
    const { instance } = pipeline(source, sink, { batchBytes: 1000 });
    await instance.run();
    assert.equal(sink.committed.size, 301);
    const sizes = sink.batches.map((batch) =>
      batch.reduce((n, o) => n + Buffer.byteLength(o.message.body), 0),
    );
    for (const [i, bytes] of sizes.entries())
      assert.ok(bytes <= 1000 || sink.batches[i]?.length === 1, `batch ${i}: ${bytes} bytes`);
    assert.ok(
      sink.batches.some((batch) => batch.length > 1),
      "small messages still share batches",
    );
    assert.ok(
      sink.batches.some((batch) => batch.length === 1 && batch[0]?.message.body.length === 5000),
      "a message larger than the cap goes alone",
    );
  });

  it("retries a failing database with backoff and deletes nothing until it commits", async () => {
    const sink = new MemorySink({ failFirst: 3 });
    const source = new MemorySource(bodies(10), (ids) => {
      for (const id of ids) assert.ok(sink.committed.has(id));
    });
    const { instance, events } = pipeline(source, sink, { concurrency: 1 });
    let retries = 0;
    events.on("sinkRetry", () => {
      retries++;
      assert.equal(source.deleted.length, 0);
    });
    await instance.run();
    assert.equal(retries, 3);
    assert.equal(source.deleted.length, 10);
  });

  it("gives up after the retry time with a clear error and nothing deleted", async () => {
    const sink = new MemorySink({ down: true });
    const source = new MemorySource(bodies(30));
    const { instance } = pipeline(source, sink, { maxRetryTimeMs: 300 });
    await assert.rejects(instance.run(), (error: Error & { code?: string }) => {
      assert.equal(error.code, "database_unreachable");
      assert.match(error.message, /Nothing uncommitted was deleted/);
      return true;
    });
    assert.equal(source.deleted.length, 0);
  });

  it("isolates a row the database refuses: the others load, it becomes a rejection", async () => {
    const good = generateEvents(10, { seed: 11, badRatio: 0 }).map((e) => e.body);
    const sink = new MemorySink({ refuse: "m4" });
    const source = new MemorySource(good);
    const { instance } = pipeline(source, sink, { concurrency: 1, writers: 1 });
    await instance.run();
    const refused = sink.committed.get("m4");
    assert.equal(refused?.kind, "reject");
    assert.equal(refused?.kind === "reject" && refused.reject.reason, "sink_refused:22021");
    assert.equal([...sink.committed.values()].filter((o) => o.kind === "row").length, 9);
    assert.equal(source.deleted.length, 10);
  });

  it("stores a minimal rejection when the full one is refused too: one message never stops the run", async () => {
    const good = generateEvents(10, { seed: 11, badRatio: 0 }).map((e) => e.body);
    for (const refuse of [{ refuse: "m4", refuseFullRejection: "m4" }, { refuseFullRejection: "m4" }]) {
      const sink = new MemorySink(refuse);
      const source = new MemorySource(good.map((b, i) => (i === 4 ? `{"user_id": 1}` : b)));
      const { instance, events } = pipeline(source, sink, { concurrency: 1, writers: 1 });
      const isolated: string[] = [];
      events.on("isolated", (reason, detail) => isolated.push(`${reason}/${detail}`));
      await instance.run();
      const stored = sink.committed.get("m4");
      assert.equal(stored?.kind, "reject");
      assert.equal(stored?.kind === "reject" && stored.reject.maskedBody, null);
      assert.ok(stored?.kind === "reject" && stored.reject.bodyDigest.length > 0);
      assert.deepEqual(isolated.at(-1)?.endsWith("/minimal"), true, isolated.join());
      assert.equal(sink.committed.size, 10);
      assert.equal(source.deleted.length, 10);
    }
  });

  it("keeps received-but-undeleted messages under the in-flight limit plus one receive per poller", async () => {
    const sink = new MemorySink({ delayMs: 5 });
    const source = new MemorySource(bodies(600));
    const { instance, events } = pipeline(source, sink, { maxInFlight: 40, concurrency: 3 });
    let peak = 0;
    events.on("received", () => {
      peak = Math.max(peak, instance.inFlight);
    });
    await instance.run();
    assert.ok(peak <= 40 + 3 * 10, `peak in flight ${peak}`);
    assert.equal(source.deleted.length, 600);
  });

  it("stop() finishes what was received, deletes it, and resolves", async () => {
    const sink = new MemorySink({ delayMs: 2 });
    const source = new MemorySource(bodies(2000));
    const { instance, events } = pipeline(source, sink, { untilEmpty: false });
    events.once("received", () => instance.stop());
    await instance.run();
    assert.ok(source.deleted.length > 0);
    assert.equal(source.deleted.length, sink.committed.size);
    assert.ok(sink.committed.size < 2000);
  });

  it("extends the visibility of messages held longer than half their timeout", async () => {
    const sink = new MemorySink({ delayMs: 700 });
    const source = new MemorySource(bodies(5));
    const { instance, events } = pipeline(source, sink, { concurrency: 1, visibilityTimeoutMs: 400 });
    let extensions = 0;
    events.on("extended", () => extensions++);
    await instance.run();
    assert.ok(extensions > 0 && source.extended.length >= 5, `extended ${source.extended.length}`);
    assert.equal(source.deleted.length, 5);
  });

  it("renews only the leases SQS took: a visibility change it reports as Failed leaves that message's deadline", async () => {
    const held = new HeldMessages(800);
    const message = (id: string): SourceMessage => ({
      id,
      receiptHandle: `r-${id}`,
      body: "{}",
      sentTimestampMs: undefined,
      receiveCount: 1,
      receivedAt: new Date(),
    });
    const [kept, refused] = [message("kept"), message("refused")];
    const admittedAt = Date.now();
    held.admit([kept, refused], admittedAt);
    const events = createPipelineEvents();
    let failed = 0;
    events.on("extendFailed", (n) => {
      failed += n;
    });
    const heartbeat = new VisibilityHeartbeat(
      { extend: async (due) => due.filter((m) => m.id === "refused") },
      held,
      events,
    );
    heartbeat.start();
    await new Promise((resolve) => setTimeout(resolve, 700));
    heartbeat.stop();
    assert.ok(held.earliestDeadline([kept]) > admittedAt + 800, "the lease SQS took was renewed");
    assert.equal(
      held.earliestDeadline([refused]),
      admittedAt + 800,
      "the refused one keeps its real deadline",
    );
    assert.ok(failed >= 1);
  });

  it("never extends a message that is loaded and deleted well within its lease", async () => {
    const source = new MemorySource(bodies(500));
    const { instance } = pipeline(source, new MemorySink(), { visibilityTimeoutMs: 10_000 });
    await instance.run();
    assert.equal(source.deleted.length, 500);
    assert.deepEqual(source.extended, []);
  });

  it("a listener that throws hurts nothing: no write fails for it, nothing goes unhandled, the failure is reported", async () => {
    const failures: string[] = [];
    const events = createPipelineEvents((event) => failures.push(event));
    for (const name of ["committed", "deleted", "received", "polled"] as const)
      events.on(name, () => {
        throw new Error(`${name} listener broke`);
      });
    const sink = new MemorySink();
    const source = new MemorySource(bodies(200));
    source.refuseDeletes = 10; // every delete fails until it is given up on: deleteFailed is emitted too
    events.on("deleteFailed", () => {
      throw new Error("deleteFailed listener broke");
    });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const instance = new Pipeline(
        {
          source,
          acknowledger: source,
          writer: new BatchWriter(sink, createTransformer(masker, "major"), createRejecter(masker)),
          events,
        },
        { ...OPTIONS, maxRetryTimeMs: 2000 },
      );
      await instance.run();
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
    assert.equal(sink.committed.size, 200);
    assert.deepEqual(unhandled, []);
    for (const name of ["committed", "received", "polled", "deleteFailed"])
      assert.ok(failures.includes(name), name);
  });

  it("retries the entries SQS reports as Failed to delete", async () => {
    const source = new MemorySource(bodies(30));
    source.refuseDeletes = 2;
    const { instance, summary } = pipeline(source, new MemorySink());
    await instance.run();
    assert.equal(new Set(source.deleted).size, 30);
    assert.equal(summary.counts().deleteFailed, 0);
    assert.equal(instance.awaitingDelete, 0);
  });
});

/** A queue whose visibility timeout is 0: every receive hands back everything not yet deleted, each time with a new handle. */
class ZeroVisibilitySource implements MessageSource {
  readonly deletedHandles: string[] = [];
  readonly #pending = new Map<string, string>();
  #deliveries = 0;

  constructor(bodies: readonly string[]) {
    for (const [i, body] of bodies.entries()) this.#pending.set(`m${i}`, body);
  }

  async receive(): Promise<readonly SourceMessage[]> {
    await new Promise((resolve) => setImmediate(resolve));
    return [...this.#pending].slice(0, 10).map(([id, body]) => ({
      id,
      receiptHandle: `${id}#${++this.#deliveries}`,
      body,
      sentTimestampMs: undefined,
      receiveCount: 1,
      receivedAt: new Date(),
    }));
  }

  async delete(messages: readonly SourceMessage[]): Promise<DeleteResult> {
    for (const m of messages) {
      this.deletedHandles.push(m.receiptHandle);
      this.#pending.delete(m.id);
    }
    return { deleted: messages.length, failed: [] };
  }
}

describe("pipeline: redeliveries, deletes and memory", () => {
  it("a message delivered again while held is processed, counted and deleted once, with its newest handle", async () => {
    const sink = new MemorySink({ delayMs: 20 });
    const source = new ZeroVisibilitySource(bodies(30));
    const { instance, summary } = pipeline(source, sink, { concurrency: 2, batchSize: 10 });
    const latest = new Map<string, number>();
    const original = source.receive.bind(source);
    source.receive = async () => {
      const got = await original();
      for (const m of got) latest.set(m.id, Number(m.receiptHandle.split("#")[1]));
      return got;
    };
    await instance.run();
    const counts = summary.counts();
    assert.equal(sink.committed.size, 30);
    assert.equal(counts.received, 30);
    assert.equal(counts.deleted, 30);
    assert.ok(counts.redelivered > 0, "the source did deliver held messages again");
    assert.equal(source.deletedHandles.length, 30);
    const deletedIds = source.deletedHandles.map((h) => h.split("#")[0]);
    assert.equal(new Set(deletedIds).size, 30);
  });

  it("keeps retrying a committed message's delete while its receipt handle is valid, not a second", async () => {
    const source = new MemorySource(bodies(20));
    let outage = true;
    const original = source.delete.bind(source);
    source.delete = async (messages) => {
      if (outage) throw new Error("connect ECONNREFUSED 127.0.0.1:4566");
      return original(messages);
    };
    setTimeout(() => {
      outage = false;
    }, 3000).unref();
    const { instance, summary } = pipeline(source, new MemorySink(), { visibilityTimeoutMs: 30_000 });
    const started = Date.now();
    await instance.run();
    assert.equal(summary.counts().deleteFailed, 0);
    assert.equal(new Set(source.deleted).size, 20);
    assert.ok(Date.now() - started < 5000, `resumed ${Date.now() - started} ms after the start`);
  });

  it("gives a delete up just before the receipt handle expires when SQS stays unreachable", async (t) => {
    // The backoff's jitter fixed at its middle: retries after 300 and 600 ms, then a third wait of 750 ms would end
    // within 500 ms of the deadline, so it gives up at about 900 ms. Random jitter could make that as early as
    // 600 ms, and the bound below failed now and then.
    t.mock.method(Math, "random", () => 0.5);
    const source = new MemorySource(bodies(5));
    const down = async () => {
      throw new Error("connect ECONNREFUSED 127.0.0.1:4566");
    };
    source.delete = down;
    source.extend = down; // unreachable for the heartbeat too, so the deadline does not move
    const { instance, summary } = pipeline(source, new MemorySink(), { visibilityTimeoutMs: 2000 });
    const started = Date.now();
    await instance.run();
    const elapsed = Date.now() - started;
    assert.equal(summary.counts().deleteFailed, 5);
    // The handle expires 2 s after the receive; a loaded machine may run the last attempt a little late.
    assert.ok(elapsed < 4000 && elapsed > 700, `gave up after ${elapsed} ms`);
  });

  it("bounds the bodies held in memory by size: receives under way count, and large messages come fewer at a time", async () => {
    const big = `{"pad": "${"x".repeat(200_000)}"}`;
    const sink = new MemorySink({ delayMs: 5 });
    const source = new MemorySource(Array.from({ length: 300 }, () => big));
    const { instance, events } = pipeline(source, sink, {
      concurrency: 8,
      maxInFlight: 1000,
      maxInFlightBytes: 2_000_000,
    });
    let received = 0;
    let steadyPeak = 0;
    events.on("received", (n) => {
      received += n;
      // The first eight receives start before any size is known; after them the bound must hold.
      if (received > 80) steadyPeak = Math.max(steadyPeak, instance.inFlight);
    });
    await instance.run();
    assert.equal(sink.committed.size, 300);
    // 2 MB is 10 of these messages; one more receive may be under way (1 MiB: 5 of them).
    assert.ok(steadyPeak <= 15, `held ${steadyPeak} messages of 200 KB under a 2 MB bound`);
    assert.ok(
      source.asked.slice(8).every((n) => n <= 5),
      `asked for ${source.asked.slice(8, 20).join(",")}`,
    );
  });
});
