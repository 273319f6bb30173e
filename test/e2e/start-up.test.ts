import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { generateKeyText } from "../../src/transform/mask-key.ts";
import { runCli } from "../helpers/cli.ts";
import { useServices } from "../helpers/services.ts";

const TRACE = new URL("../fixtures/start-up-trace.mjs", import.meta.url).href;

/** The trace lines of a CLI run with the start-up trace preloaded (test/fixtures/start-up-trace.mjs). */
async function traced(args: readonly string[], env: Record<string, string> = {}) {
  const result = await runCli(args, { ...env, NODE_OPTIONS: `--import=${TRACE}` });
  const trace = result.stderr.split("\n").filter((line) => line.startsWith("trace: "));
  return { result, trace };
}

describe("the start of a run", () => {
  const services = useServices();

  it("starts the writer thread before the run command's own modules load, uses that thread, and loads only undici's pool", async () => {
    const { db, sqs } = services;
    const queueUrl = await sqs.createQueue("start-up");
    await sqs.send(queueUrl, [
      '{"user_id":"u1","device_type":"ios","ip":"10.0.0.1","device_id":"d-1","app_version":"2.3.0","locale":null}',
    ]);
    const { result, trace } = await traced(
      ["run", "--until-empty", "--queue-url", queueUrl, "--database-url", db.url],
      { SECURELOG_KEY: generateKeyText() },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /loaded\s+1\n/);
    // One thread, created first: the run took over the one started at the process's start. Neither thread loads
    // undici's index, only its pool (a start-up cost of 50-70 ms a thread).
    assert.deepEqual(trace, ["trace: worker thread created", "trace: loading src/cli/run.ts"]);
  });

  it("starts no thread for help or a dry run", async () => {
    for (const args of [
      ["run", "--help"],
      ["run", "-h"],
    ]) {
      const { result, trace } = await traced(args);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(trace, [], args.join(" "));
    }
    const queueUrl = await services.sqs.createQueue("start-up-dry");
    const { result, trace } = await traced(
      ["run", "--dry-run", "--queue-url", queueUrl, "--database-url", services.db.url],
      { SECURELOG_KEY: generateKeyText() },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.ok(!trace.includes("trace: worker thread created"), trace.join("\n"));
  });

  it("exits at once on a configuration error though the thread was already started", async () => {
    const started = performance.now();
    const { result, trace } = await traced(["run", "--until-empty", "--batch-size", "0"]);
    assert.equal(result.code, 2, result.stderr);
    assert.deepEqual(trace, ["trace: worker thread created"]);
    assert.ok(performance.now() - started < 5_000, "exits without waiting for the thread");
  });
});
