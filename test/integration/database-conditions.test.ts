import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { SecureLogError } from "../../src/errors.ts";
import { PgSink } from "../../src/sink/pg-sink.ts";
import { createMasker } from "../../src/transform/mask.ts";
import { generateKeyText } from "../../src/transform/mask-key.ts";
import { createTransformer } from "../../src/transform/transform.ts";
import { generateEvents } from "../fixtures/sample-events.ts";
import { startCli, until } from "../helpers/cli.ts";
import { ADMIN_DATABASE_URL, createTestRole, type TestRole } from "../helpers/postgres.ts";
import { useServices } from "../helpers/services.ts";

/**
 * Transient conditions a real PostgreSQL produces, each made for real (a role's timeouts, a lock another session
 * holds, a terminated backend), not mocked: a run waits them out within --max-retry-time instead of exiting.
 */

/** A role that owns what it creates in the database (test/helpers/postgres.ts), with per-role settings. */
async function createRole(dbUrl: string, settings: Record<string, string>): Promise<TestRole> {
  const role = await createTestRole(dbUrl, "securelog_role", settings);
  const database = new URL(dbUrl).pathname.slice(1);
  const admin = new pg.Client({ connectionString: dbUrl });
  await admin.connect();
  try {
    await admin.query(`GRANT ALL ON DATABASE ${database} TO ${role.name}`);
    await admin.query(`GRANT ALL ON SCHEMA public TO ${role.name}`);
  } finally {
    await admin.end();
  }
  return role;
}

async function countRows(dbUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  try {
    const result = await client.query<{ n: number }>(
      "SELECT (SELECT count(*) FROM user_logins) + (SELECT count(*) FROM user_logins_rejects) AS n",
    );
    return Number(result.rows[0]?.n ?? 0);
  } catch {
    return 0; // the tables do not exist yet
  } finally {
    await client.end();
  }
}

describe("transient database conditions", () => {
  const services = useServices();
  const key = generateKeyText();

  /**
   * Follows a queue as `role`; 200 messages load, then another session holds `lock` on user_logins for 4 s while
   * 200 more arrive. The run must ride it out (log a retry), load all 400 and stop cleanly on SIGTERM.
   */
  async function rideOut(queue: string, settings: Record<string, string>, expectCode: string) {
    const { db, sqs } = services;
    const role = await createRole(db.url, settings);
    await db.query("DROP TABLE IF EXISTS user_logins, user_logins_rejects, securelog_processed CASCADE");
    await db.query("DROP TABLE IF EXISTS securelog_erasures, securelog_config CASCADE");
    try {
      const queueUrl = await sqs.createQueue(queue);
      const run = startCli(
        [
          "run",
          "--queue-url",
          queueUrl,
          "--database-url",
          role.url,
          "--wait-time",
          "1",
          "--batch-size",
          "50",
        ],
        { SECURELOG_KEY: key },
      );
      const events = generateEvents(400, { seed: 21, badRatio: 0.1 }).map((e) => e.body);
      await sqs.send(queueUrl, events.slice(0, 200));
      await until(async () => (await countRows(db.url)) === 200, "the first 200 to load", 30_000);
      const locker = new pg.Client({ connectionString: db.url });
      await locker.connect();
      try {
        await locker.query("BEGIN");
        await locker.query("LOCK TABLE user_logins IN SHARE MODE");
        await sqs.send(queueUrl, events.slice(200));
        await until(
          () => run.output().includes(`(${expectCode})`),
          () => `a ${expectCode} retry:\n${run.output()}`,
        );
        await new Promise((resolve) => setTimeout(resolve, 4000));
        assert.equal(run.child.exitCode, null, `the run must still be going:\n${run.output()}`);
      } finally {
        await locker.query("COMMIT").catch(() => undefined);
        await locker.end();
      }
      await until(async () => (await countRows(db.url)) === 400, "all 400 to load", 30_000);
      run.child.kill("SIGTERM");
      const result = await run.done;
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /database write failed, retrying/);
      const [ledger] = await db.query<{ n: string }>("SELECT count(*) AS n FROM securelog_processed");
      assert.equal(Number(ledger?.n), 400, "each message committed exactly once");
    } finally {
      await role.drop();
    }
  }

  it("a role's statement_timeout while another session holds a SHARE lock for 4 s: the run waits, loads everything once", async () => {
    await rideOut("statement-timeout", { statement_timeout: "500ms" }, "57014");
  });

  it("a role's lock_timeout while another session holds a SHARE lock for 4 s: the run waits, loads everything once", async () => {
    await rideOut("lock-timeout", { lock_timeout: "200ms" }, "55P03");
  });

  it("pg_terminate_backend of every SecureLog connection in the middle of a drain: the run reconnects, loads everything once", async () => {
    const { db, sqs } = services;
    await db.query("DROP TABLE IF EXISTS user_logins, user_logins_rejects, securelog_processed CASCADE");
    const queueUrl = await sqs.createQueue("terminated");
    const events = generateEvents(10_000, { seed: 22, badRatio: 0.1 }).map((e) => e.body);
    await sqs.send(queueUrl, events);
    const run = startCli(
      [
        "run",
        "--until-empty",
        "--queue-url",
        queueUrl,
        "--database-url",
        db.url,
        "--batch-size",
        "100",
        "--concurrency",
        "2",
      ],
      { SECURELOG_KEY: key },
    );
    await until(async () => (await countRows(db.url)) > 0, "the first rows", 30_000);
    // Again and again while the drain goes on: a connection can die at any point of its use (in a query, idle in
    // the pool, or just handed out), and none of them may end the process.
    let terminated = 0;
    for (let i = 0; i < 20 && run.child.exitCode === null; i++) {
      const [killed] = await db.query<{ n: string }>(
        "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE application_name = 'securelog' AND datname = current_database()",
      );
      terminated += Number(killed?.n);
      await new Promise((resolve) => setTimeout(resolve, 30 + (i % 4) * 20));
    }
    assert.ok(terminated > 0, "some backend was terminated");
    const result = await run.done;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await countRows(db.url), 10_000);
    const [ledger] = await db.query<{ n: string }>("SELECT count(*) AS n FROM securelog_processed");
    assert.equal(Number(ledger?.n), 10_000);
  });
});

describe("a connection whose transaction failed", () => {
  let adminUrl = ADMIN_DATABASE_URL;
  let database = "";
  before(async () => {
    database = `securelog_test_${randomBytes(6).toString("hex")}`;
    const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    const url = new URL(ADMIN_DATABASE_URL);
    url.pathname = `/${database}`;
    adminUrl = url.href;
  });
  after(async () => {
    const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  });

  it("is never handed to the next batch: a lock wait that times out inside BEGIN is rolled back, and the next write commits", async () => {
    const role = await createRole(adminUrl, { lock_timeout: "200ms" });
    // One connection, so the second write gets the very client the first one failed on.
    const sink = new PgSink({ databaseUrl: role.url, poolSize: 1 });
    const holder = new pg.Client({ connectionString: adminUrl });
    try {
      await sink.ensureSchema();
      const transform = createTransformer(createMasker({ mode: "sha256" }), "major");
      const outcomes = (prefix: string) =>
        generateEvents(10, { seed: 23 }).map((e, i) =>
          transform({
            id: `${prefix}-${i}`,
            body: e.body,
            sentTimestampMs: undefined,
            receiveCount: 1,
            receivedAt: new Date(),
          }),
        );
      await holder.connect();
      // The erasure lock a `forget` holds: the load's shared lock waits for it, in the BEGIN string.
      await holder.query("SELECT pg_advisory_lock(7262846, hashtext('public'))");
      const first = await sink.write(outcomes("a")).then(
        () => undefined,
        (error: unknown) => error,
      );
      assert.ok(first instanceof SecureLogError, String(first));
      assert.equal(first.disposition, "retry", first.message);
      assert.match(first.message, /55P03/);
      await holder.query("SELECT pg_advisory_unlock(7262846, hashtext('public'))");
      const second = await sink.write(outcomes("b"));
      assert.equal(second.loaded, 10);
    } finally {
      await holder.end().catch(() => undefined);
      await sink.close();
      await role.drop();
    }
  });
});
