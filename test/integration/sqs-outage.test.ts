import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { generateEvents } from "../../src/embedded/sample-events.ts";
import { generateKeyText } from "../../src/transform/mask-key.ts";
import { startCli, until } from "../helpers/cli.ts";
import { createTestDatabase } from "../helpers/postgres.ts";
import { startProxy } from "../helpers/proxy.ts";
import { startTestSqs } from "../helpers/sqs.ts";

const stat = (stdout: string, label: string) =>
  Number(new RegExp(`${label}\\s+(\\d+)`).exec(stdout)?.[1] ?? 0);

describe("SQS outage", () => {
  it("a short SQS outage costs about its own length, not a visibility timeout: deletes are retried while their handles are valid", async () => {
    const db = await createTestDatabase();
    const sqs = await startTestSqs();
    let passed = false;
    try {
      const queueUrl = await sqs.createQueue("sqs-outage", { VisibilityTimeout: "30" });
      const events = generateEvents(10_000, { seed: 21 });
      await sqs.send(
        queueUrl,
        events.map((e) => e.body),
      );
      const proxy = await startProxy("127.0.0.1", Number(new URL(sqs.endpoint).port));
      const viaProxy = `http://127.0.0.1:${proxy.port}${new URL(queueUrl).pathname}`;
      const started = Date.now();
      const run = startCli(
        ["run", "--until-empty", "--wait-time", "1", "--queue-url", viaProxy, "--database-url", db.url],
        { SECURELOG_KEY: generateKeyText() },
      );
      const ledger = async () =>
        Number(
          (await db.query<{ n: string }>("SELECT count(*) AS n FROM securelog_processed").catch(() => []))[0]
            ?.n ?? 0,
        );
      // Two cuts of 3 s each, at progress points (not at times: the drain speed varies).
      for (const at of [2000, 6000]) {
        await until(async () => (await ledger()) >= at, `${at} messages committed`, 60_000);
        await proxy.cut();
        await new Promise((resolve) => setTimeout(resolve, 3000));
        await proxy.restore();
      }
      const result = await run.done;
      const seconds = (Date.now() - started) / 1000;
      await proxy.close();
      process.stdout.write(`# 10,000 messages with two 3 s SQS outages drained in ${seconds.toFixed(1)} s\n`);
      assert.equal(result.code, 0, result.stderr);
      // Before: committed messages whose deletes failed for a second were given up on, and the drain then waited
      // out the 30 s visibility timeout for their redelivery.
      assert.ok(seconds < 25, `took ${seconds} s`);
      assert.equal(stat(result.stdout, "delete failures"), 0, result.stdout);
      const [counts] = await db.query<{ ledger: string; rows: string; rejects: string }>(
        `SELECT (SELECT count(*) FROM securelog_processed) AS ledger, (SELECT count(*) FROM user_logins) AS rows,
                (SELECT count(*) FROM user_logins_rejects) AS rejects`,
      );
      assert.equal(Number(counts?.ledger), 10_000);
      assert.equal(Number(counts?.rows) + Number(counts?.rejects), 10_000);
      assert.deepEqual(await sqs.depth(queueUrl), { visible: 0, inFlight: 0 });
      passed = true;
    } finally {
      await sqs.stop();
      await db.drop(!passed);
    }
  });

  it("a queue whose visibility timeout is 0 drains without a livelock, each message received, loaded and deleted once", async () => {
    const db = await createTestDatabase();
    const sqs = await startTestSqs();
    let passed = false;
    try {
      const queueUrl = await sqs.createQueue("zero-visibility", { VisibilityTimeout: "0" });
      const events = generateEvents(1000, { seed: 22 });
      await sqs.send(
        queueUrl,
        events.map((e) => e.body),
      );
      const run = await startCli(
        ["run", "--until-empty", "--wait-time", "1", "--queue-url", queueUrl, "--database-url", db.url],
        { SECURELOG_KEY: generateKeyText() },
      ).done;
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /visibility timeout is 0 s; receiving with 2 s instead/);
      assert.equal(stat(run.stdout, "received"), 1000, run.stdout);
      assert.equal(stat(run.stdout, "deleted from queue"), 1000, run.stdout);
      assert.deepEqual(await sqs.depth(queueUrl), { visible: 0, inFlight: 0 });
      passed = true;
    } finally {
      await sqs.stop();
      await db.drop(!passed);
    }
  });
});
