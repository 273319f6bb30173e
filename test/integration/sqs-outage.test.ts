import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { generateKeyText } from "../../src/transform/mask-key.ts";
import { generateEvents } from "../fixtures/sample-events.ts";
import { startCli, until } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres.ts";
import { startProxy, startSqsActionProxy } from "../helpers/proxy.ts";
import { startTestSqs } from "../helpers/sqs.ts";

const ledger = async (db: TestDatabase) =>
  Number(
    (await db.query<{ n: string }>("SELECT count(*) AS n FROM securelog_processed").catch(() => []))[0]?.n ??
      0,
  );

const stat = (stdout: string, label: string) =>
  Number(new RegExp(`${label}\\s+(\\d+)`).exec(stdout)?.[1] ?? 0);

describe("SQS outage", () => {
  it("committed messages whose deletes fail for 5 s are deleted within a second of SQS answering again, not redelivered", async () => {
    const db = await createTestDatabase();
    const sqs = await startTestSqs();
    const proxy = await startSqsActionProxy(sqs.endpoint);
    let passed = false;
    try {
      const queueUrl = await sqs.createQueue("delete-outage", { VisibilityTimeout: "30" });
      await sqs.send(
        queueUrl,
        generateEvents(5_000, { seed: 23 }).map((e) => e.body),
      );
      const viaProxy = `${proxy.endpoint}${new URL(queueUrl).pathname}`;
      const started = Date.now();
      const run = startCli(
        ["run", "--until-empty", "--wait-time", "1", "--queue-url", viaProxy, "--database-url", db.url],
        { SECURELOG_KEY: generateKeyText() },
      );
      await until(async () => (await ledger(db)) >= 1000, "1,000 messages committed", 60_000);
      proxy.dropping.add("DeleteMessageBatch");
      await new Promise((resolve) => setTimeout(resolve, 5000));
      proxy.dropping.delete("DeleteMessageBatch");
      const result = await run.done;
      const seconds = (Date.now() - started) / 1000;
      process.stdout.write(`# 5,000 messages, deletes failing for 5 s: drained in ${seconds.toFixed(1)} s\n`);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(stat(result.stdout, "delete failures"), 0, result.stdout);
      assert.equal(stat(result.stdout, "duplicates skipped"), 0, "nothing was redelivered");
      // Before: deletes were given up on after about a second, and the drain waited out the 30 s visibility
      // timeout for the redeliveries, which the ledger then skipped.
      assert.ok(seconds < 20, `took ${seconds} s`);
      assert.equal(await ledger(db), 5_000);
      assert.deepEqual(await sqs.depth(queueUrl), { visible: 0, inFlight: 0 });
      passed = true;
    } finally {
      await proxy.close();
      await sqs.stop();
      await db.drop(!passed);
    }
  });

  it("every connection to SQS cut for 3 s, twice: nothing lost or doubled, and no committed message's delete given up", async () => {
    const db = await createTestDatabase();
    const sqs = await startTestSqs();
    let passed = false;
    try {
      // 10 s: a receive whose response a cut loses hides its messages that long (see below).
      const queueUrl = await sqs.createQueue("sqs-outage", { VisibilityTimeout: "10" });
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
      // Two cuts of 3 s each, at progress points (not at times: the drain speed varies).
      for (const at of [2000, 6000]) {
        await until(async () => (await ledger(db)) >= at, `${at} messages committed`, 60_000);
        await proxy.cut();
        await new Promise((resolve) => setTimeout(resolve, 3000));
        await proxy.restore();
      }
      const result = await run.done;
      const seconds = (Date.now() - started) / 1000;
      await proxy.close();
      // A receive whose response the cut lost leaves its messages hidden until their visibility timeout (SQS
      // marked them received): that wait is SQS's, so the time is reported, not asserted.
      process.stdout.write(`# 10,000 messages with two 3 s SQS outages drained in ${seconds.toFixed(1)} s\n`);
      assert.equal(result.code, 0, result.stderr);
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

  it("SQS unreachable for 20 s in follow mode: at most 8 log lines (first failure, summaries, recovery); the metrics count every failure", async () => {
    const db = await createTestDatabase();
    const sqs = await startTestSqs();
    let passed = false;
    try {
      const queueUrl = await sqs.createQueue("quiet-outage");
      const proxy = await startProxy("127.0.0.1", Number(new URL(sqs.endpoint).port));
      const viaProxy = `http://127.0.0.1:${proxy.port}${new URL(queueUrl).pathname}`;
      const run = startCli(
        [
          "run",
          "--wait-time",
          "1",
          "--concurrency",
          "8",
          "--metrics-port",
          "0",
          "--metrics-host",
          "127.0.0.1",
          "--queue-url",
          viaProxy,
          "--database-url",
          db.url,
        ],
        { SECURELOG_KEY: generateKeyText() },
      );
      await until(() => /"port":\d+.*"msg":"metrics"/.test(run.output()), "the metrics server");
      const port = Number(/"port":(\d+)/.exec(run.output())?.[1]);
      await proxy.cut();
      await new Promise((resolve) => setTimeout(resolve, 20_000));
      await proxy.restore();
      await until(
        () => run.output().includes("SQS receive recovered"),
        () => `the recovery line\n${run.output()}`,
      );
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      run.child.kill("SIGTERM");
      const result = await run.done;
      await proxy.close();
      assert.equal(result.code, 0, result.stderr);
      const lines = result.stderr.split("\n").filter((line) => line.includes("SQS receive"));
      const failures = Number(/recovered after \d+ s \((\d+) failures\)/.exec(lines.join("\n"))?.[1]);
      const counted = Number(/^securelog_retries_total\{target="sqs"\} (\d+)/m.exec(metrics)?.[1]);
      process.stdout.write(
        `# 20 s SQS outage, 8 pollers, following: ${lines.length} log lines about it, ${failures} failures (metrics: ${counted})\n`,
      );
      // One per poller per retry was 197 lines for 20 s; now: the first, a summary every 10 s, the recovery.
      assert.ok(lines.length >= 3 && lines.length <= 8, lines.join("\n"));
      assert.match(lines[0] ?? "", /SQS receive failed, retrying/);
      assert.match(lines.join("\n"), /still failing after \d+ s: \d+ more failures/);
      // The log is short; the count is whole.
      assert.ok(failures > lines.length, `${failures} failures`);
      assert.equal(counted, failures, "the metrics count every failure the log summarised");
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
      // The queue's own 0 s is not used: every receive asks for the lease.
      assert.match(run.stderr, /"visibilityTimeout":10\b/);
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
