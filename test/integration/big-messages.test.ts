import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { generateKeyText } from "../../src/transform/mask-key.ts";
import { bigMessage } from "../helpers/big-messages.ts";
import { runCli } from "../helpers/cli.ts";
import { createTestDatabase } from "../helpers/postgres.ts";
import { startTestSqs } from "../helpers/sqs.ts";

/** The bound docs/reliability.md states for messages up to 256 KiB, whatever the backlog. */
const DOCUMENTED_PEAK_MIB = 350;
const COUNT = Number(process.env.BIG_BACKLOG ?? 1500);

describe("memory is bounded by bytes, not only by count", () => {
  it(`a backlog of ${COUNT} messages of 256 KiB drains with peak RSS under ${DOCUMENTED_PEAK_MIB} MiB`, async () => {
    const db = await createTestDatabase();
    const sqs = await startTestSqs();
    let passed = false;
    try {
      const queueUrl = await sqs.createQueue("big-messages");
      for (let first = 0; first < COUNT; first += 500) {
        await sqs.send(
          queueUrl,
          Array.from({ length: Math.min(500, COUNT - first) }, (_, i) => bigMessage(first + i)),
        );
      }
      const result = await runCli(
        ["run", "--until-empty", "--wait-time", "1", "--queue-url", queueUrl, "--database-url", db.url],
        { SECURELOG_KEY: generateKeyText() },
        { timeoutMs: 300_000 },
      );
      assert.equal(result.code, 0, result.stderr);
      const [outcomes] = await db.query<{ n: string }>(
        "SELECT (SELECT count(*) FROM user_logins) + (SELECT count(*) FROM user_logins_rejects) AS n",
      );
      assert.equal(Number(outcomes?.n), COUNT);
      const peak = Number(/peak memory \(MiB\)\s+(\d+)/.exec(result.stdout)?.[1]);
      process.stdout.write(`# ${COUNT} messages of 256 KiB: peak RSS ${peak} MiB\n`);
      assert.ok(peak > 0 && peak < DOCUMENTED_PEAK_MIB, `peak RSS ${peak} MiB`);
      passed = true;
    } finally {
      await sqs.stop();
      await db.drop(!passed);
    }
  });
});
