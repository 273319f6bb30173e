import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { generateEvents } from "../../src/embedded/sample-events.ts";
import { RunSummary } from "../../src/ops/summary.ts";
import { TransformingWriter } from "../../src/pipeline/batch-writer.ts";
import { createPipelineEvents } from "../../src/pipeline/events.ts";
import { Pipeline, type PipelineOptions } from "../../src/pipeline/pipeline.ts";
import type { RowSink } from "../../src/sink/row-sink.ts";
import type { MessageSource } from "../../src/source/message.ts";
import { createMasker } from "../../src/transform/mask.ts";
import { createRejecter, createTransformer } from "../../src/transform/transform.ts";
import { MemorySink, MemorySource } from "../helpers/memory.ts";

const masker = createMasker({ mode: "sha256" });
const OPTIONS: PipelineOptions = {
  concurrency: 3,
  batchSize: 25,
  batchBytes: 4 * 1024 * 1024,
  writers: 2,
  maxInFlight: 100,
  maxRetryTimeMs: 60_000,
  untilEmpty: true,
};

function pipeline(source: MessageSource, sink: RowSink, options: Partial<PipelineOptions> = {}) {
  const events = createPipelineEvents();
  const summary = new RunSummary(events);
  const instance = new Pipeline(
    {
      source,
      writer: new TransformingWriter(sink, createTransformer(masker, "major"), createRejecter(masker)),
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
    const source = new MemorySource(bodies(500), (ids) => {
      for (const id of ids) assert.ok(sink.committed.has(id), `${id} deleted before its commit`);
    });
    const { instance, summary } = pipeline(source, sink);
    await instance.run();
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
