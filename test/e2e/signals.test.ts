import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SIGNAL_ECHO_MS } from "../../src/cli/run.ts";
import { generateKeyText } from "../../src/transform/mask-key.ts";
import { generateEvents } from "../fixtures/sample-events.ts";
import { startCli, until } from "../helpers/cli.ts";
import { startDatabaseProxy } from "../helpers/proxy.ts";
import { useServices } from "../helpers/services.ts";

describe("securelog run and signals", () => {
  const services = useServices();
  const env = { SECURELOG_KEY: generateKeyText() };

  /**
   * A run whose database has gone away with ten messages received: a graceful stop then has to wait for the
   * database, which gives a test time to send more signals.
   */
  async function startStalledRun(
    queueName: string,
    attributes?: Record<string, string>,
    extraArgs: string[] = [],
  ) {
    const { sqs, db } = services;
    const proxy = await startDatabaseProxy(db.url);
    const queueUrl = await sqs.createQueue(queueName, attributes);
    const cli = startCli(
      ["run", "--queue-url", queueUrl, "--database-url", proxy.url, "--wait-time", "1", ...extraArgs],
      env,
    );
    await until(() => cli.output().includes('"msg":"consuming"'), "the run to start");
    await proxy.cut();
    await sqs.send(
      queueUrl,
      generateEvents(10, { seed: 4 }).map((e) => e.body),
    );
    await until(
      () => cli.output().includes("database write failed, retrying"),
      () => `a failed write\n${cli.output()}`,
    );
    return { cli, proxy, queueUrl };
  }

  for (const [name, send] of [
    ["SIGTERM", async (pid: number) => process.kill(pid, "SIGTERM")],
    ["SIGINT", async (pid: number) => process.kill(pid, "SIGINT")],
    // One Ctrl-C often arrives twice (terminal process group plus npm forwarding): still one graceful stop.
  ] as const) {
    it(`${name}: finishes what it received, prints the summary, exits 0`, async () => {
      const { sqs, db } = services;
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
      // Off a terminal the notice is a JSON log line like every other one, naming the signal.
      const records = result.stderr
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as { msg: string; signal?: string });
      assert.equal(records.find((r) => r.msg.startsWith("finishing in-flight batches"))?.signal, name);
      const received = Number(/received\s+(\d+)/.exec(result.stdout)?.[1]);
      const deleted = Number(/deleted from queue\s+(\d+)/.exec(result.stdout)?.[1]);
      assert.equal(deleted, received, "everything received was committed and deleted");
    });
  }

  it("one Ctrl-C delivered twice (terminal and npm both pass it on) is still one graceful stop", async () => {
    const { cli, proxy } = await startStalledRun("signal-echo");
    try {
      cli.child.kill("SIGINT");
      cli.child.kill("SIGINT"); // the echo, as a parent passes it on
      await until(() => cli.output().includes("finishing in-flight batches"), "the stop to begin");
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
    const { cli, proxy, queueUrl } = await startStalledRun("signal-twice", undefined, [
      "--visibility-timeout",
      "2",
    ]);
    try {
      cli.child.kill("SIGINT"); // graceful: waits for the database, which is down
      await until(() => cli.output().includes("finishing in-flight batches"), "the stop to begin");
      // Past the echo window, the next signal means "now" (the window itself is unit-tested in shutdown.test.ts).
      await new Promise((resolve) => setTimeout(resolve, SIGNAL_ECHO_MS + 100));
      cli.child.kill("SIGINT");
      const result = await cli.done;
      assert.equal(result.code, 130);
      assert.match(result.stderr, /exiting now; messages not yet committed stay on the queue/);
      // Every message comes back after its visibility timeout.
      await until(
        async () => (await services.sqs.countReceivable(queueUrl)) === 10,
        "all 10 back on the queue",
      );
    } finally {
      await proxy.close();
    }
  });

  it("--shutdown-timeout bounds a graceful stop that cannot finish: exit 1, messages left to the queue", async () => {
    const { cli, proxy } = await startStalledRun("signal-timeout", undefined, ["--shutdown-timeout", "1"]);
    try {
      const signalled = Date.now();
      cli.child.kill("SIGTERM");
      const result = await cli.done;
      assert.equal(result.code, 1);
      assert.ok(Date.now() - signalled < 5000, `took ${Date.now() - signalled} ms`);
      assert.match(result.stderr, /not committed within --shutdown-timeout \(1 s\); they stay on the queue/);
    } finally {
      await proxy.close();
    }
  });
});
