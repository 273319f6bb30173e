/**
 * Short leases: messages are received with a 10 s visibility timeout (whatever the queue's own 30 s) and extended
 * only while still held, so what a dead replica or a lost receive response held comes back in seconds. The
 * figures are the targets, measured as users wait (wall clock from the kill, or from the start).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { generateKeyText } from "../../src/transform/mask-key.ts";
import { generateEvents } from "../fixtures/sample-events.ts";
import { runCli, startCli, until } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres.ts";
import { startProxy, startSqsActionProxy } from "../helpers/proxy.ts";
import { startTestSqs, type TestSqs } from "../helpers/sqs.ts";

const KEY = { SECURELOG_KEY: generateKeyText() };
const DRAIN = ["run", "--until-empty", "--wait-time", "1"];

const ledger = async (db: TestDatabase) =>
  Number(
    (await db.query<{ n: string }>("SELECT count(*) AS n FROM securelog_processed").catch(() => []))[0]?.n ??
      0,
  );

const stat = (stdout: string, label: string) =>
  Number(new RegExp(`${label}\\s+(\\d+)`).exec(stdout)?.[1] ?? 0);

/** A queue with SQS's default 30 s visibility timeout, filled with `count` generated events. */
async function backlog(sqs: TestSqs, name: string, count: number, seed: number) {
  const queueUrl = await sqs.createQueue(name, { VisibilityTimeout: "30" });
  const events = generateEvents(count, { seed });
  await sqs.send(
    queueUrl,
    events.map((e) => e.body),
  );
  return { queueUrl, good: events.filter((e) => e.expect === "row").length };
}

async function assertExactlyOnce(db: TestDatabase, total: number, good: number) {
  const [counts] = await db.query<{ ledger: string; rows: string; users: string; rejects: string }>(
    `SELECT (SELECT count(*) FROM securelog_processed) AS ledger, (SELECT count(*) FROM user_logins) AS rows,
            (SELECT count(DISTINCT user_id) FROM user_logins) AS users,
            (SELECT count(*) FROM user_logins_rejects) AS rejects`,
  );
  assert.deepEqual(
    {
      ledger: Number(counts?.ledger),
      rows: Number(counts?.rows),
      users: Number(counts?.users),
      rejects: Number(counts?.rejects),
    },
    { ledger: total, rows: good, users: good, rejects: total - good },
  );
}

describe("short leases", () => {
  it("kill -9 after 5,000 of 20,000, restarted at once: the restart finishes within 15 s of the kill, exactly once", async () => {
    const db = await createTestDatabase();
    const sqs = await startTestSqs();
    let passed = false;
    try {
      const { queueUrl, good } = await backlog(sqs, "lease-kill", 20_000, 31);
      const args = [...DRAIN, "--queue-url", queueUrl, "--database-url", db.url];
      // Small steps, so that the kill lands near 5,000 and not after the end.
      const victim = startCli([...args, "--concurrency", "2", "--batch-size", "100"], KEY);
      await until(async () => (await ledger(db)) >= 5000, "5,000 committed", 60_000);
      victim.child.kill("SIGKILL");
      const killed = Date.now();
      await victim.done;
      const restart = await runCli(args, KEY);
      const seconds = (Date.now() - killed) / 1000;
      process.stdout.write(
        `# kill -9 at 5,000 of 20,000, restart at once: done ${seconds.toFixed(1)} s after the kill\n`,
      );
      assert.equal(restart.code, 0, restart.stderr);
      await assertExactlyOnce(db, 20_000, good);
      assert.deepEqual(await sqs.depth(queueUrl), { visible: 0, inFlight: 0 });
      // With the queue's 30 s, the dead process's messages kept the restart waiting 30 s.
      assert.ok(seconds < 15, `the restart finished ${seconds} s after the kill`);
      passed = true;
    } finally {
      await sqs.stop();
      await db.drop(!passed);
    }
  });

  it("two 5 s cuts of every SQS connection in a 40,000 drain: done within 25 s in all, exactly once", async () => {
    const db = await createTestDatabase();
    const sqs = await startTestSqs();
    let passed = false;
    try {
      const { queueUrl, good } = await backlog(sqs, "lease-cuts", 40_000, 32);
      const proxy = await startProxy("127.0.0.1", Number(new URL(sqs.endpoint).port));
      const viaProxy = `http://127.0.0.1:${proxy.port}${new URL(queueUrl).pathname}`;
      const started = Date.now();
      const run = startCli([...DRAIN, "--queue-url", viaProxy, "--database-url", db.url], KEY);
      let firstQuarter = 0;
      for (const at of [10_000, 25_000]) {
        await until(async () => (await ledger(db)) >= at, `${at} committed`, 60_000);
        if (at === 10_000) firstQuarter = (Date.now() - started) / 1000;
        await proxy.cut();
        await new Promise((resolve) => setTimeout(resolve, 5000));
        await proxy.restore();
      }
      const result = await run.done;
      const seconds = (Date.now() - started) / 1000;
      await proxy.close();
      process.stdout.write(`# 40,000 messages with two 5 s SQS cuts: drained in ${seconds.toFixed(1)} s\n`);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(stat(result.stdout, "delete failures"), 0, result.stdout);
      await assertExactlyOnce(db, 40_000, good);
      assert.deepEqual(await sqs.depth(queueUrl), { visible: 0, inFlight: 0 });
      // Receives whose responses a cut lost hid their messages for the lease (10 s), not the queue's 30 s. On an idle
      // machine that is the 25 s in all (docs/reliability.md); beside the rest of the suite the drain itself
      // is slower, so the bound is what the cuts may cost on top of it: their 10 s and one lease, never 30 s.
      const uncut = firstQuarter * 4;
      assert.ok(seconds < uncut + 10 + 10 + 3, `drained in ${seconds} s; 10,000 took ${firstQuarter} s`);
      passed = true;
    } finally {
      await sqs.stop();
      await db.drop(!passed);
    }
  });

  it("a receive whose response is lost hides its messages for the 10 s lease, not the queue's 30 s", async () => {
    const db = await createTestDatabase();
    const sqs = await startTestSqs();
    const proxy = await startSqsActionProxy(sqs.endpoint);
    let passed = false;
    try {
      const { queueUrl, good } = await backlog(sqs, "lease-lost", 2000, 34);
      const viaProxy = `${proxy.endpoint}${new URL(queueUrl).pathname}`;
      // SQS hands ten messages to the first receive and marks them in flight; SecureLog never sees the answer.
      proxy.loseResponses("ReceiveMessage", 1);
      const started = Date.now();
      const result = await runCli([...DRAIN, "--queue-url", viaProxy, "--database-url", db.url], KEY);
      const seconds = (Date.now() - started) / 1000;
      process.stdout.write(
        `# 2,000 messages, one receive response lost: drained in ${seconds.toFixed(1)} s\n`,
      );
      assert.equal(result.code, 0, result.stderr);
      await assertExactlyOnce(db, 2000, good);
      assert.ok(seconds >= 9, `the lost messages came back after ${seconds} s: they were not hidden at all?`);
      assert.ok(seconds < 20, `drained in ${seconds} s: the lost messages were hidden for the queue's 30 s`);
      passed = true;
    } finally {
      await proxy.close();
      await sqs.stop();
      await db.drop(!passed);
    }
  });

  it("an ordinary 50,000 drain: visibility changes are under 1 % of SQS calls", async () => {
    const db = await createTestDatabase();
    const sqs = await startTestSqs();
    const proxy = await startSqsActionProxy(sqs.endpoint);
    let passed = false;
    try {
      const { queueUrl } = await backlog(sqs, "lease-plain", 50_000, 33);
      const viaProxy = `${proxy.endpoint}${new URL(queueUrl).pathname}`;
      const result = await runCli([...DRAIN, "--queue-url", viaProxy, "--database-url", db.url], KEY);
      assert.equal(result.code, 0, result.stderr);
      const calls = [...proxy.calls.values()].reduce((a, b) => a + b, 0);
      const changes = proxy.calls.get("ChangeMessageVisibilityBatch") ?? 0;
      process.stdout.write(
        `# 50,000 drain: ${changes} visibility changes of ${calls} SQS calls (${((100 * changes) / calls).toFixed(2)} %)\n`,
      );
      assert.equal(await ledger(db), 50_000);
      assert.ok(changes < calls / 100, `${changes} of ${calls} calls changed visibility`);
      passed = true;
    } finally {
      await proxy.close();
      await sqs.stop();
      await db.drop(!passed);
    }
  });
});
