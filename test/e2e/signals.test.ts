import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { generateEvents } from "../../src/embedded/sample-events.ts";
import { generateKeyText } from "../../src/transform/mask-key.ts";
import { startCli } from "../helpers/cli.ts";
import { ADMIN_DATABASE_URL, createTestDatabase, type TestDatabase } from "../helpers/postgres.ts";
import { startProxy } from "../helpers/proxy.ts";
import { startTestSqs, type TestSqs } from "../helpers/sqs.ts";

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("securelog run and signals", () => {
  let db: TestDatabase;
  let sqs: TestSqs;
  const env = { SECURELOG_KEY: generateKeyText() };

  before(async () => {
    db = await createTestDatabase();
    sqs = await startTestSqs();
  });
  after(async () => {
    await sqs?.stop();
    await db?.drop();
  });

  for (const [name, send] of [
    ["SIGTERM", async (pid: number) => process.kill(pid, "SIGTERM")],
    ["SIGINT", async (pid: number) => process.kill(pid, "SIGINT")],
    // One Ctrl-C often arrives twice (terminal process group plus npm forwarding): still one graceful stop.
  ] as const) {
    it(`${name}: finishes what it received, prints the summary, exits 0`, async () => {
      const queueUrl = await sqs.createQueue(`signal-${Date.now()}`);
      await sqs.send(
        queueUrl,
        generateEvents(3000, { seed: 1 }).map((e) => e.body),
      );
      const cli = startCli(
        ["run", "--queue-url", queueUrl, "--database-url", db.url, "--wait-time", "1"],
        env,
      );
      await until(() => cli.output().includes('"msg":"consuming"'), "the run to start");
      await send(cli.child.pid ?? 0);
      const started = Date.now();
      const result = await cli.done;
      assert.equal(result.code, 0, result.stderr);
      assert.ok(Date.now() - started < 10_000);
      assert.match(result.stderr, /finishing in-flight batches/);
      assert.doesNotMatch(result.stderr, /exiting now/);
      const received = Number(/received\s+(\d+)/.exec(result.stdout)?.[1]);
      const deleted = Number(/deleted from queue\s+(\d+)/.exec(result.stdout)?.[1]);
      assert.equal(deleted, received, "everything received was committed and deleted");
    });
  }

  it("one Ctrl-C delivered twice (terminal and npm both pass it on) is still one graceful stop", async () => {
    const target = new URL(ADMIN_DATABASE_URL);
    const proxy = await startProxy(target.hostname, Number(target.port || 5432));
    try {
      const viaProxy = new URL(db.url);
      viaProxy.host = `127.0.0.1:${proxy.port}`;
      const queueUrl = await sqs.createQueue("signal-echo");
      const cli = startCli(
        ["run", "--queue-url", queueUrl, "--database-url", viaProxy.href, "--wait-time", "1"],
        env,
      );
      await until(() => cli.output().includes('"msg":"consuming"'), "the run to start");
      await proxy.cut(); // hold the graceful stop open: it waits for the database
      await sqs.send(
        queueUrl,
        generateEvents(10, { seed: 4 }).map((e) => e.body),
      );
      await until(
        () => cli.output().includes("database write failed, retrying"),
        `a failed write\n${cli.output()}`,
      );
      cli.child.kill("SIGINT");
      await new Promise((resolve) => setTimeout(resolve, 50));
      cli.child.kill("SIGINT"); // the echo
      await new Promise((resolve) => setTimeout(resolve, 300));
      await proxy.restore();
      const result = await cli.done;
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /received\s+10/);
      assert.match(result.stdout, /deleted from queue\s+10/);
    } finally {
      await proxy.close();
    }
  });

  it("a second, later signal exits at once with 130 and leaves uncommitted messages on the queue", async () => {
    const target = new URL(ADMIN_DATABASE_URL);
    const proxy = await startProxy(target.hostname, Number(target.port || 5432));
    try {
      const viaProxy = new URL(db.url);
      viaProxy.host = `127.0.0.1:${proxy.port}`;
      const queueUrl = await sqs.createQueue("signal-twice", { VisibilityTimeout: "1" });
      const cli = startCli(
        ["run", "--queue-url", queueUrl, "--database-url", viaProxy.href, "--wait-time", "1"],
        env,
      );
      await until(() => cli.output().includes('"msg":"consuming"'), "the run to start");
      await proxy.cut();
      await sqs.send(
        queueUrl,
        generateEvents(10, { seed: 2 }).map((e) => e.body),
      );
      await until(
        () => cli.output().includes("database write failed, retrying"),
        `a failed write\n${cli.output()}`,
      );
      cli.child.kill("SIGINT"); // graceful: waits for the database, which is down
      await new Promise((resolve) => setTimeout(resolve, 600));
      cli.child.kill("SIGINT");
      const result = await cli.done;
      assert.equal(result.code, 130);
      assert.match(result.stderr, /exiting now; messages not yet committed stay on the queue/);
      let receivable = 0;
      for (let i = 0; i < 40 && receivable < 10; i++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        receivable = await sqs.countReceivable(queueUrl);
      }
      assert.equal(receivable, 10, "every message comes back after its visibility timeout");
    } finally {
      await proxy.close();
    }
  });
});
