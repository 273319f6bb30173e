import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BatchWriter } from "../../src/pipeline/batch-writer.ts";
import { ConcurrencyController } from "../../src/pipeline/concurrency.ts";
import { createPipelineEvents } from "../../src/pipeline/events.ts";
import { Pipeline } from "../../src/pipeline/pipeline.ts";
import { createMasker } from "../../src/transform/mask.ts";
import { createRejecter, createTransformer } from "../../src/transform/transform.ts";
import { generateEvents } from "../fixtures/sample-events.ts";
import { MemorySink, MemorySource, testPipelineOptions } from "../helpers/memory.ts";

/** A window of receives: `full` of them brought all 10 asked for, the rest none. */
function window(controller: ConcurrencyController, receives: number, full: number) {
  for (let i = 0; i < receives; i++) controller.record({ asked: 10, got: i < full ? 10 : 0 });
}

describe("adaptive concurrency", () => {
  it("doubles while receives come back full and the rate rises, then probes one at a time", () => {
    const c = new ConcurrencyController({ initial: 8, max: 128, pinned: false });
    window(c, 100, 100);
    assert.equal(c.adjust(0.5, false), 16);
    window(c, 200, 200);
    assert.equal(c.adjust(0.5, false), 32);
    window(c, 200, 200); // the same rate: no longer rising
    assert.equal(c.adjust(0.5, false), 33);
  });

  it("halves on short receives and never goes below one", () => {
    const c = new ConcurrencyController({ initial: 40, max: 128, pinned: false });
    window(c, 100, 10);
    assert.equal(c.adjust(0.5, false), 20, "mostly empty receives: half");
    for (let i = 0; i < 10; i++) {
      window(c, 50, 0);
      c.adjust(0.5, false);
    }
    assert.equal(c.target, 1, "never below one");
  });

  it("drops a quarter when held messages reach their bound, then grows past that level one at a time", () => {
    const c = new ConcurrencyController({ initial: 64, max: 128, pinned: false });
    window(c, 100, 100);
    assert.equal(c.adjust(0.5, true), 48, "receives outrun the database: fewer of them");
    // A faster window right after would have doubled it back (the noise that kept 128 pollers on loopback).
    window(c, 400, 400);
    assert.equal(c.adjust(0.5, false), 49, "above the level where the bound was reached: one more");
    window(c, 800, 800);
    assert.equal(c.adjust(0.5, false), 50);
    window(c, 100, 100);
    assert.equal(c.adjust(0.5, true), 37, "at the bound again");
  });

  it("after a drain halved it, doubles again only up to where the bound was reached", () => {
    const c = new ConcurrencyController({ initial: 40, max: 128, pinned: false });
    window(c, 100, 100);
    assert.equal(c.adjust(0.5, true), 30);
    window(c, 100, 0);
    assert.equal(c.adjust(0.5, false), 15, "the queue ran short");
    window(c, 100, 100);
    assert.equal(c.adjust(0.5, false), 30, "refilled: doubles, but not past 30");
    window(c, 400, 400);
    assert.equal(c.adjust(0.5, false), 31);
  });

  it("never moves a pinned number, nor past the maximum, nor on too few receives to judge", () => {
    const pinned = new ConcurrencyController({ initial: 8, max: 8, pinned: true });
    window(pinned, 100, 100);
    assert.equal(pinned.adjust(0.5, false), 8);
    const capped = new ConcurrencyController({ initial: 100, max: 128, pinned: false });
    window(capped, 500, 500);
    assert.equal(capped.adjust(0.5, false), 128);
    const quiet = new ConcurrencyController({ initial: 8, max: 128, pinned: false });
    window(quiet, 3, 0);
    assert.equal(quiet.adjust(0.5, false), 8);
  });

  it("over a 20 ms round trip the adaptive pipeline drains faster than eight pinned pollers", async () => {
    const masker = createMasker({ mode: "sha256" });
    const bodies = generateEvents(10_000, { seed: 4, badRatio: 0 }).map((e) => e.body);
    const drain = async (options: { maxConcurrency?: number }) => {
      const source = new MemorySource(bodies);
      const slow = source.receive.bind(source);
      source.receive = async (signal, max) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return slow(signal, max);
      };
      const events = createPipelineEvents();
      let peak = 0;
      events.on("concurrency", (n) => {
        peak = Math.max(peak, n);
      });
      const pipeline = new Pipeline(
        {
          source,
          acknowledger: source,
          writer: new BatchWriter(
            new MemorySink(),
            createTransformer(masker, "major"),
            createRejecter(masker),
          ),
          events,
        },
        testPipelineOptions({ concurrency: 8, maxInFlight: 5000, batchSize: 1000, ...options }),
      );
      const started = performance.now();
      await pipeline.run();
      return { ms: performance.now() - started, peak, deleted: source.deleted.length };
    };
    const pinned = await drain({});
    const adaptive = await drain({ maxConcurrency: 128 });
    assert.equal(pinned.deleted, 10_000);
    assert.equal(adaptive.deleted, 10_000);
    assert.ok(adaptive.peak > 16, `grew to ${adaptive.peak}`);
    assert.ok(
      adaptive.ms < pinned.ms * 0.6,
      `adaptive ${Math.round(adaptive.ms)} ms, pinned ${Math.round(pinned.ms)} ms`,
    );
  });
});
