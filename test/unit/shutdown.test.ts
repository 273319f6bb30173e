import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { beforeEach, describe, it, mock } from "node:test";
import { Shutdown } from "../../src/cli/shutdown.ts";

function setUp() {
  const signals = new EventEmitter();
  const said: string[] = [];
  const exits: number[] = [];
  const target = { stops: 0, abandoned: [] as string[] };
  const pipeline = {
    stop: () => {
      target.stops++;
    },
    abandon: (reason: Error) => {
      target.abandoned.push(reason.message);
    },
  };
  const shutdown = new Shutdown(
    { signals, exitNow: (code) => exits.push(code) },
    {
      timeoutMs: 30_000,
      echoMs: 250,
      notice: (step, signal) => said.push(`${step} ${signal}`),
      timedOut: () => new Error("timed out"),
      interrupted: (signal) => new Error(`${signal} again`),
    },
  );
  return { signals, said, exits, target, pipeline, shutdown };
}

describe("shutdown on SIGINT and SIGTERM", () => {
  beforeEach(() => {
    mock.timers.enable({ apis: ["setTimeout", "Date"], now: 1_000_000 });
  });

  it("the first signal stops the pipeline gracefully and says so once", (t) => {
    t.after(() => mock.timers.reset());
    const { signals, said, exits, target, pipeline, shutdown } = setUp();
    shutdown.attach(pipeline);
    signals.emit("SIGTERM", "SIGTERM");
    assert.equal(target.stops, 1);
    assert.deepEqual(said, ["finishing SIGTERM"]);
    assert.deepEqual(exits, []);
    assert.deepEqual(target.abandoned, []);
  });

  it("a signal during start-up stops the pipeline as soon as it is attached", (t) => {
    t.after(() => mock.timers.reset());
    const { signals, target, pipeline, shutdown } = setUp();
    signals.emit("SIGINT", "SIGINT");
    assert.equal(shutdown.requested, true);
    shutdown.attach(pipeline);
    assert.equal(target.stops, 1);
  });

  it("the same Ctrl-C passed on by a parent within the echo window is one signal, not two", (t) => {
    t.after(() => mock.timers.reset());
    const { signals, exits, target, pipeline, shutdown } = setUp();
    shutdown.attach(pipeline);
    signals.emit("SIGINT", "SIGINT");
    mock.timers.tick(100);
    signals.emit("SIGINT", "SIGINT");
    assert.equal(target.stops, 1);
    assert.deepEqual(exits, []);
  });

  it("a second signal after the echo window abandons what is uncommitted and exits 130 at once", (t) => {
    t.after(() => mock.timers.reset());
    const { signals, said, exits, target, pipeline, shutdown } = setUp();
    shutdown.attach(pipeline);
    signals.emit("SIGINT", "SIGINT");
    mock.timers.tick(300);
    signals.emit("SIGTERM", "SIGTERM");
    assert.deepEqual(target.abandoned, ["SIGTERM again"]);
    assert.deepEqual(said, ["finishing SIGINT", "exiting SIGTERM"]);
    assert.deepEqual(exits, [130]);
  });

  it("a graceful stop that outlasts --shutdown-timeout is abandoned, and not a moment before", (t) => {
    t.after(() => mock.timers.reset());
    const { signals, target, pipeline, shutdown } = setUp();
    shutdown.attach(pipeline);
    signals.emit("SIGTERM", "SIGTERM");
    mock.timers.tick(29_999);
    assert.deepEqual(target.abandoned, []);
    mock.timers.tick(1);
    assert.deepEqual(target.abandoned, ["timed out"]);
  });

  it("once disposed it neither listens nor times out", (t) => {
    t.after(() => mock.timers.reset());
    const { signals, target, pipeline, shutdown } = setUp();
    shutdown.attach(pipeline);
    signals.emit("SIGTERM", "SIGTERM");
    shutdown[Symbol.dispose]();
    mock.timers.tick(60_000);
    signals.emit("SIGTERM", "SIGTERM");
    assert.deepEqual(target.abandoned, []);
    assert.equal(signals.listenerCount("SIGTERM") + signals.listenerCount("SIGINT"), 0);
  });
});
