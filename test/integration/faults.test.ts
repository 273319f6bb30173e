/**
 * The fault-injection suite: whatever fails, whenever it fails, every message ends up as exactly one row or one
 * rejection, and nothing is deleted from the queue before that is committed. Real PostgreSQL, fauxqs, and the
 * CLI run as a user runs it. Results and how to reproduce them: docs/reliability.md.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { BatchWriter } from "../../src/pipeline/batch-writer.ts";
import { createPipelineEvents } from "../../src/pipeline/events.ts";
import { Pipeline } from "../../src/pipeline/pipeline.ts";
import { PgSink } from "../../src/sink/pg-sink.ts";
import { createMasker } from "../../src/transform/mask.ts";
import { generateKeyText, keyRing, parseKey } from "../../src/transform/mask-key.ts";
import { createRejecter, createTransformer } from "../../src/transform/transform.ts";
import { generateEvents } from "../fixtures/sample-events.ts";
import { runCli, startCli, until } from "../helpers/cli.ts";
import { testPipelineOptions } from "../helpers/memory.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres.ts";
import { startDatabaseProxy } from "../helpers/proxy.ts";
import { useServices } from "../helpers/services.ts";

const KEY = { SECURELOG_KEY: generateKeyText() };
const DRAIN = ["run", "--until-empty", "--wait-time", "1"];

interface Outcomes {
  readonly rows: number;
  readonly rejects: number;
  readonly distinctUsers: number;
  readonly ledger: number;
}

async function outcomes(db: TestDatabase): Promise<Outcomes> {
  const [row] = await db.query<{ rows: string; rejects: string; users: string; ledger: string }>(
    `SELECT (SELECT count(*) FROM user_logins) AS rows, (SELECT count(*) FROM user_logins_rejects) AS rejects,
            (SELECT count(DISTINCT user_id) FROM user_logins) AS users, (SELECT count(*) FROM securelog_processed) AS ledger`,
  );
  return {
    rows: Number(row?.rows),
    rejects: Number(row?.rejects),
    distinctUsers: Number(row?.users),
    ledger: Number(row?.ledger),
  };
}

/** Exactly one outcome per message, no duplicate rows. */
function assertExactlyOnce(result: Outcomes, events: ReturnType<typeof generateEvents>): void {
  const good = events.filter((e) => e.expect === "row").length;
  assert.deepEqual(result, {
    rows: good,
    rejects: events.length - good,
    distinctUsers: good,
    ledger: events.length,
  });
}

function stat(stdout: string, label: string): number {
  return Number(new RegExp(`${label}\\s+(\\d+)`).exec(stdout)?.[1]);
}

describe("fault injection", () => {
  const services = useServices();

  /** A fresh database and a queue holding `count` generated messages. */
  async function backlog(name: string, count: number, seed: number, attributes?: Record<string, string>) {
    const db = await createTestDatabase();
    const queueUrl = await services.sqs.createQueue(name, attributes);
    const events = generateEvents(count, { seed });
    await services.sqs.send(
      queueUrl,
      events.map((e) => e.body),
    );
    return { db, queueUrl, events };
  }

  // Kill points by progress (messages committed), not by time: a drain of 5,000 takes well under a second here.
  // The victim runs with few receives and small transactions so that progress comes in steps of at most 100 and
  // slowly enough for a 25 ms poll to stop it before the end; with the defaults, 1,000-row commits on 8 or more
  // pollers could finish the last 1,500 between two polls. The restart runs with the defaults.
  for (const killAt of [1, 1500, 3500]) {
    it(`kill -9 after ${killAt} of 5,000 messages are committed, then a restart: exactly 5,000 outcomes`, async () => {
      const { db, queueUrl, events } = await backlog(`kill-${killAt}`, 5000, killAt);
      const args = [...DRAIN, "--queue-url", queueUrl, "--database-url", db.url, "--visibility-timeout", "2"];
      const victim = startCli([...args, "--concurrency", "2", "--batch-size", "100"], KEY);
      await until(
        async () => (await outcomes(db).catch(() => ({ ledger: 0 }))).ledger >= killAt,
        "progress",
        30_000,
      );
      victim.child.kill("SIGKILL");
      assert.equal((await victim.done).code, null, "the process was killed, not finished");
      const before = await outcomes(db);
      assert.ok(before.ledger < 5000, `killed too late to prove anything (${before.ledger} already done)`);

      const restart = await runCli(args, KEY);
      assert.equal(restart.code, 0, restart.stderr);
      assertExactlyOnce(await outcomes(db), events);
      assert.deepEqual(await services.sqs.depth(queueUrl), { visible: 0, inFlight: 0 });
      await db.drop();
    });
  }

  const systemNode = spawnSync("/usr/bin/node", ["-p", "process.versions.node"], {
    encoding: "utf8",
  }).stdout?.trim();
  const [major = 99, minor = 0] = (systemNode ?? "99").split(".").map(Number);
  const oldSystemNode =
    systemNode !== undefined && systemNode !== "" && (major < 22 || (major === 22 && minor < 18));
  it("kill -9 of the launcher under an old system Node takes the pinned-Node process with it", {
    skip: oldSystemNode ? false : "no system Node older than 22.18 at /usr/bin/node",
  }, async () => {
    const db = await createTestDatabase();
    const queueUrl = await services.sqs.createQueue("kill-launcher", { VisibilityTimeout: "2" });
    await services.sqs.send(
      queueUrl,
      generateEvents(5000, { seed: 9 }).map((e) => e.body),
    );
    // /usr/bin first: `env node` finds the old Node, and the launcher re-runs SecureLog under Node 24.
    const victim = startCli([...DRAIN, "--queue-url", queueUrl, "--database-url", db.url], {
      ...KEY,
      PATH: `/usr/bin:${process.env.PATH ?? ""}`,
    });
    await until(
      async () => (await outcomes(db).catch(() => ({ ledger: 0 }))).ledger >= 1,
      "progress",
      30_000,
    );
    victim.child.kill("SIGKILL");
    await victim.done;
    // The pinned-Node process died with the launcher: its connections close, and nothing commits after.
    await until(
      async () =>
        (
          await db.query(
            "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'securelog'",
          )
        ).length === 0,
      "the killed process's connections to close",
    );
    const atKill = (await outcomes(db)).ledger;
    assert.ok(atKill < 5000);
    assert.equal((await services.sqs.countReceivable(queueUrl)) > 0, true, "the rest is still on the queue");
    await db.drop();
  });

  it("PostgreSQL unreachable for 10 s in the middle of a drain: no crash, exactly 5,000 outcomes, no redelivery", async () => {
    const db = await createTestDatabase();
    const proxy = await startDatabaseProxy(db.url);
    try {
      const queueUrl = await services.sqs.createQueue("outage");
      const events = generateEvents(5000, { seed: 21 });
      await services.sqs.send(
        queueUrl,
        events.map((e) => e.body),
      );
      // A 5 s lease, half the outage: without the heartbeat's extensions held messages would be delivered again.
      const run = startCli(
        [...DRAIN, "--queue-url", queueUrl, "--database-url", proxy.url, "--visibility-timeout", "5"],
        KEY,
      );
      await until(
        async () => (await outcomes(db).catch(() => ({ ledger: 0 }))).ledger > 0,
        "the first commits",
      );
      await proxy.cut();
      await new Promise((resolve) => setTimeout(resolve, 10_000));
      await proxy.restore();
      const result = await run.done;
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /database write failed, retrying/);
      assertExactlyOnce(await outcomes(db), events);
      // The visibility heartbeat kept held messages hidden through the outage: none was delivered twice.
      assert.equal(stat(result.stdout, "received"), 5000);
      assert.deepEqual(await services.sqs.depth(queueUrl), { visible: 0, inFlight: 0 });
    } finally {
      await proxy.close();
      await db.drop();
    }
  });

  it("three processes draining one queue at once: exactly 5,000 outcomes", async () => {
    const { db, queueUrl, events } = await backlog("three", 5000, 33);
    const args = [...DRAIN, "--queue-url", queueUrl, "--database-url", db.url, "--visibility-timeout", "5"];
    const results = await Promise.all([runCli(args, KEY), runCli(args, KEY), runCli(args, KEY)]);
    for (const result of results) assert.equal(result.code, 0, result.stderr);
    assertExactlyOnce(await outcomes(db), events);
    assert.ok(
      results.every((r) => stat(r.stdout, "received") > 0),
      "all three took part",
    );
    assert.deepEqual(await services.sqs.depth(queueUrl), { visible: 0, inFlight: 0 });
    await db.drop();
  });

  it("SIGTERM in the middle of a drain: exit 0 within the shutdown timeout; a restart finishes exactly", async () => {
    const { db, queueUrl, events } = await backlog("sigterm", 5000, 44);
    // A receive aborted by the stop may leave its messages hidden for their lease: 2 s keeps the restart short.
    const args = [
      ...DRAIN,
      "--queue-url",
      queueUrl,
      "--database-url",
      db.url,
      "--shutdown-timeout",
      "10",
      "--visibility-timeout",
      "2",
    ];
    const run = startCli(args, KEY);
    await until(
      async () => (await outcomes(db).catch(() => ({ ledger: 0 }))).ledger > 0,
      "the first commits",
    );
    const signalled = Date.now();
    run.child.kill("SIGTERM");
    const stopped = await run.done;
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.ok(Date.now() - signalled < 10_000);
    assert.equal(stat(stopped.stdout, "deleted from queue"), stat(stopped.stdout, "received"));
    assert.ok(stat(stopped.stdout, "received") < 5000, "stopped before the end");

    const restart = await runCli(args, KEY);
    assert.equal(restart.code, 0, restart.stderr);
    assertExactlyOnce(await outcomes(db), events);
    await db.drop();
  });

  it("a batch with one row PostgreSQL refuses: the other nine load, that one becomes a rejection", async () => {
    const { db, sqs } = services;
    const queueUrl = await sqs.createQueue("poison");
    const events = generateEvents(10, { seed: 55, badRatio: 0 });
    await sqs.send(
      queueUrl,
      events.map((e) => e.body),
    );
    // The file's key: the tests here share a database, and one table holds one masking configuration.
    const masker = createMasker({ mode: "hmac", keys: keyRing(parseKey(KEY.SECURELOG_KEY, "test key"), []) });
    const transform = createTransformer(masker, "major");
    const poisoned = JSON.parse(events[3]?.body ?? "{}").user_id;
    const source = sqs.source(queueUrl, { waitTimeSeconds: 1, visibilityTimeoutSeconds: 30 });
    const sink = new PgSink({ databaseUrl: db.url, poolSize: 1 });
    await sink.ensureSchema();
    const pipelineEvents = createPipelineEvents();
    const isolated: string[] = [];
    pipelineEvents.on("isolated", (reason) => isolated.push(reason));
    // Fault injection: a validation gap lets a NUL through into one row; PostgreSQL refuses it (22P05).
    const leaky = (message: Parameters<typeof transform>[0]) => {
      const outcome = transform(message);
      return outcome.kind === "row" && outcome.row.user_id === poisoned
        ? { ...outcome, row: { ...outcome.row, user_id: `${poisoned}\u0000` } }
        : outcome;
    };
    const pipeline = new Pipeline(
      {
        source,
        acknowledger: source,
        writer: new BatchWriter(sink, leaky, createRejecter(masker)),
        events: pipelineEvents,
      },
      testPipelineOptions(),
    );
    await pipeline.run();
    await sink.close();
    source.close();
    assert.deepEqual(isolated, ["sink_refused:22P05"]);
    const rows = await db.query<{ user_id: string }>("SELECT user_id FROM user_logins");
    assert.equal(rows.length, 9);
    assert.ok(!rows.some((r) => r.user_id.startsWith(poisoned)));
    const rejects = await db.query<{ reason: string }>("SELECT reason FROM user_logins_rejects");
    assert.deepEqual(rejects, [{ reason: "sink_refused:22P05" }]);
    assert.deepEqual(await sqs.depth(queueUrl), { visible: 0, inFlight: 0 });
  });

  it("an existing user_logins with a wrong column type: exit 2 naming the column, nothing received", async () => {
    const db = await createTestDatabase();
    await db.query(
      "CREATE TABLE user_logins(user_id varchar(128), device_type varchar(32), masked_ip varchar(256), masked_device_id varchar(256), locale varchar(32), app_version text, create_date date)",
    );
    const queueUrl = await services.sqs.createQueue("contract");
    await services.sqs.send(queueUrl, [generateEvents(1, { seed: 1, badRatio: 0 })[0]?.body ?? ""]);
    const result = await runCli([...DRAIN, "--queue-url", queueUrl, "--database-url", db.url], KEY);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /user_logins\.app_version is text, expected integer/);
    assert.equal(await services.sqs.countReceivable(queueUrl), 1, "nothing was received or deleted");
    await db.drop();
  });

  it("a message committed, then dead-lettered because its deletes failed, is skipped when replayed", async () => {
    const { db, sqs } = services;
    const dlqUrl = await sqs.createQueue("replay-dlq");
    const queueUrl = await sqs.createQueue("replay-main", {
      VisibilityTimeout: "1",
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: "arn:aws:sqs:us-east-1:000000000000:replay-dlq",
        maxReceiveCount: "1",
      }),
    });
    const events = generateEvents(6, { seed: 66, badRatio: 0 });
    await sqs.send(
      queueUrl,
      events.map((e) => e.body),
    );
    // Commit the first three as a consumer would, then "lose" their deletes: SQS moves them to the DLQ.
    const source = sqs.source(queueUrl, { waitTimeSeconds: 0, visibilityTimeoutSeconds: 1 });
    const received = [];
    while (received.length < 6) received.push(...(await source.receive(new AbortController().signal)));
    const sink = new PgSink({ databaseUrl: db.url, poolSize: 1 });
    await sink.ensureSchema();
    const keys = keyRing(parseKey(KEY.SECURELOG_KEY, "test key"), []);
    const transform = createTransformer(createMasker({ mode: "hmac", keys }), "major");
    const [before] = await db.query<{ n: string }>("SELECT count(*) AS n FROM user_logins");
    await sink.write(received.slice(0, 3).map(transform));
    await sink.close();
    // Once their visibility runs out, the next receive moves all six (received once already) to the DLQ.
    await until(async () => {
      await source.receive(new AbortController().signal);
      return (await sqs.depth(dlqUrl)).visible === 6;
    }, "the redrive");
    source.close();
    assert.equal(await sqs.countReceivable(dlqUrl), 6, "all six are dead-lettered");

    const replay = await runCli(["replay", "--from-dlq", dlqUrl, "--queue-url", queueUrl], KEY);
    assert.equal(replay.code, 0, replay.stderr);
    assert.match(replay.stdout, /moved 6 messages/);
    const run = await runCli([...DRAIN, "--queue-url", queueUrl, "--database-url", db.url], KEY);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(stat(run.stdout, "loaded"), 3);
    assert.equal(stat(run.stdout, "duplicates skipped"), 3);
    const [afterRun] = await db.query<{ n: string }>("SELECT count(*) AS n FROM user_logins");
    assert.equal(Number(afterRun?.n) - Number(before?.n), 6);
  });

  it("a 200,000-message backlog drains with peak memory under 200 MB", async () => {
    const { db, queueUrl, events } = await backlog("backlog", 200_000, 77);
    const result = await runCli([...DRAIN, "--queue-url", queueUrl, "--database-url", db.url], KEY, {
      timeoutMs: 300_000,
    });
    assert.equal(result.code, 0, result.stderr);
    assertExactlyOnce(await outcomes(db), events);
    const peak = stat(result.stdout, "peak memory \\(MiB\\)");
    process.stdout.write(
      `# 200k backlog: peak RSS ${peak} MiB, ${stat(result.stdout, "messages/s")} messages/s\n`,
    );
    // The requirement is 200 MB, that is 190.7 MiB.
    assert.ok(peak > 0 && peak < 190, `peak RSS ${peak} MiB`);
    await db.drop();
  });
});
