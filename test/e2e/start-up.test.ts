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

  it("runs in one thread, loads undici by its public entry point only, and no cipher with the default mask", async () => {
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
    // No worker thread: a second one cost more CPU than it saved (docs/benchmarks.md). undici through its index
    // only: its internal files may move in any patch release. The cipher is for --mask encrypt only.
    assert.deepEqual(trace, ["trace: loading src/cli/run.ts"]);
  });
});
