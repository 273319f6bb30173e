import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import type { CliIo } from "../../src/cli/io.ts";
import { executeRun } from "../../src/cli/run.ts";
import { loadRunConfig } from "../../src/config/run-config.ts";
import { SecureLogError } from "../../src/errors.ts";
import { PgSink } from "../../src/sink/pg-sink.ts";
import { createMasker } from "../../src/transform/mask.ts";
import { generateKeyText } from "../../src/transform/mask-key.ts";
import { createTransformer } from "../../src/transform/transform.ts";
import { generateEvents } from "../fixtures/sample-events.ts";
import { until } from "../helpers/cli.ts";
import { createTestDatabase } from "../helpers/postgres.ts";
import { startDatabaseProxy } from "../helpers/proxy.ts";
import { useServices } from "../helpers/services.ts";

function captureIo(): CliIo & { output: () => string; signals: EventEmitter } {
  let text = "";
  const stream = () => {
    const s = new PassThrough();
    s.on("data", (chunk: Buffer) => {
      text += chunk.toString();
    });
    return s;
  };
  return {
    stdout: stream(),
    stderr: stream(),
    stdin: new PassThrough(),
    env: {},
    cwd: process.cwd(),
    signals: new EventEmitter(),
    exitNow: () => {
      throw new Error("exitNow called");
    },
    output: () => text,
  };
}

describe("database outage", () => {
  const services = useServices();
  it("deletes nothing while PostgreSQL is unreachable; the messages come back and load exactly once later", async () => {
    const { db, sqs } = services;
    const proxy = await startDatabaseProxy(db.url);
    const queueUrl = await sqs.createQueue("outage-queue");
    const key = generateKeyText();
    const flags = {
      "queue-url": queueUrl,
      "database-url": proxy.url,
      "wait-time": "1",
      concurrency: "2",
      "visibility-timeout": "2",
    };

    // Phase 1: the run starts fine, then the database goes away before any message arrives.
    const io = captureIo();
    const run = executeRun(loadRunConfig({ ...flags, "max-retry-time": "3" }, { SECURELOG_KEY: key }), io);
    const outcome = run.then(
      () => undefined,
      (error: Error) => error,
    );
    await until(() => io.output().includes('"msg":"consuming"'), "the run to start");
    await proxy.cut();
    const events = generateEvents(20, { seed: 9, badRatio: 0.1 });
    await sqs.send(
      queueUrl,
      events.map((e) => e.body),
    );
    await until(() => io.output().includes("database write failed, retrying"), "a failed write");
    const during = await sqs.depth(queueUrl);
    assert.equal(during.visible + during.inFlight, 20, "nothing may be deleted while the database is down");

    // It gives up after --max-retry-time with one clear error, having deleted nothing.
    const error = await outcome;
    assert.ok(error instanceof Error);
    assert.equal((error as Error & { code?: string }).code, "database_unreachable");
    assert.match(error.message, /Nothing uncommitted was deleted/);
    await until(
      async () => (await sqs.countReceivable(queueUrl)) === 20,
      "the messages to come back",
      10_000,
    );
    await proxy.restore();
    const [rows] = await db.query<{ n: string }>("SELECT count(*) AS n FROM securelog_processed");
    assert.equal(Number(rows?.n), 0);

    // Phase 2: the database goes away while a run is consuming and comes back: the run waits, then loads.
    const hidden = await sqs.hideAll(queueUrl);
    assert.equal(hidden.length, 20);
    const io2 = captureIo();
    const run2 = executeRun(loadRunConfig({ ...flags, "max-retry-time": "60" }, { SECURELOG_KEY: key }), io2);
    await until(() => io2.output().includes('"msg":"consuming"'), "the second run to start");
    await proxy.cut();
    await sqs.release(queueUrl, hidden);
    await until(() => io2.output().includes("database write failed, retrying"), "a failed write in run 2");
    assert.equal(await sqs.countReceivable(queueUrl), 0, "the run holds them, in flight");
    await proxy.restore();
    await until(
      async () =>
        Number((await db.query<{ n: string }>("SELECT count(*) AS n FROM securelog_processed"))[0]?.n) === 20,
      "all 20 to commit",
    );
    io2.signals.emit("SIGTERM", "SIGTERM"); // graceful stop: finish, delete, return the summary
    const summary = await run2;
    assert.equal(summary.counts().loaded + summary.counts().rejected, 20);
    const [ledger] = await db.query<{ n: string }>("SELECT count(*) AS n FROM securelog_processed");
    assert.equal(Number(ledger?.n), 20);
    const [logins] = await db.query<{ n: string }>("SELECT count(*) AS n FROM user_logins");
    assert.equal(Number(logins?.n), events.filter((e) => e.expect === "row").length);
    assert.deepEqual(await sqs.depth(queueUrl), { visible: 0, inFlight: 0 });

    // Nothing the runs printed (retries, connection errors, the give-up error) nor any table holds raw PII.
    const raw = events.flatMap((e) => [e.ip, e.deviceId]).filter((v): v is string => v !== undefined);
    const everything = `${io.output()}\n${error.message}\n${io2.output()}\n${await db.dump()}`;
    assert.ok(
      io.output().includes("database write failed") && io2.output().includes("database write failed"),
    );
    assert.deepEqual(
      raw.filter((value) => everything.includes(value)),
      [],
    );
    await proxy.close();
  });
});

describe("connections cut in the middle of writes", () => {
  it("never crash the process: every write either commits or fails with a retryable error", async () => {
    const db = await createTestDatabase();
    const proxy = await startDatabaseProxy(db.url);
    const sink = new PgSink({ databaseUrl: proxy.url, poolSize: 4 });
    let ok = false;
    try {
      await sink.ensureSchema();
      const transform = createTransformer(createMasker({ mode: "sha256" }), "major");
      const bodies = generateEvents(400, { seed: 12, badRatio: 0.3 }).map((e) => e.body);
      let committed = 0;
      let retryable = 0;
      for (let round = 0; round < 30; round++) {
        const writes = [0, 1, 2, 3].map((w) =>
          sink.write(
            bodies.slice(w * 100, w * 100 + 100).map((body, i) =>
              transform({
                id: `r${round}-w${w}-${i}`,
                body,
                sentTimestampMs: undefined,
                receiveCount: 1,
                receivedAt: new Date(),
              }),
            ),
          ),
        );
        await new Promise((resolve) => setTimeout(resolve, round % 6));
        await proxy.cut();
        for (const result of await Promise.allSettled(writes)) {
          if (result.status === "fulfilled") committed++;
          else {
            assert.ok(
              result.reason instanceof SecureLogError && result.reason.disposition === "retry",
              String(result.reason),
            );
            retryable++;
          }
        }
        await proxy.restore();
      }
      assert.equal(committed + retryable, 120);
      assert.ok(retryable > 0, "the cuts must have hit some writes");
      ok = true;
    } finally {
      await sink.close();
      await proxy.close();
      await db.drop(!ok);
    }
  });
});
