import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import pg from "pg";
import { SecureLogError } from "../../src/errors.ts";
import type { WriterSetup } from "../../src/pipeline/writer-protocol.ts";
import { WriterThread } from "../../src/pipeline/writer-thread.ts";
import { PgSink } from "../../src/sink/pg-sink.ts";
import type { SourceMessage } from "../../src/source/message.ts";
import { generateKeyText, keyRing, parseKey } from "../../src/transform/mask-key.ts";
import { generateEvents } from "../fixtures/sample-events.ts";
import { useServices } from "../helpers/services.ts";

const mask = { mode: "hmac" as const, keys: keyRing(parseKey(generateKeyText(), "test"), []) };

describe("the writer thread, against PostgreSQL and the SQS emulator", () => {
  const services = useServices();

  function setup(queueUrl: string, databaseUrl: string): WriterSetup {
    return {
      databaseUrl,
      schema: "public",
      poolSize: 2,
      mask,
      appVersion: "major",
      sqs: {
        queueUrl,
        endpoint: services.sqs.endpoint,
        region: "us-east-1",
        credentials: { accessKeyId: "test", secretAccessKey: "test" },
      },
      maxSockets: 4,
    };
  }

  it("commits a batch, deletes it from the queue, and skips it when written again", async (t) => {
    const { sqs, db } = services;
    const queueUrl = await sqs.createQueue("writer-thread");
    const events = generateEvents(30, { seed: 9, badRatio: 0.2 });
    await sqs.send(
      queueUrl,
      events.map((e) => e.body),
    );
    const source = sqs.source(queueUrl, { waitTimeSeconds: 0, visibilityTimeoutSeconds: 60 });
    const received: SourceMessage[] = [];
    while (received.length < 30) received.push(...(await source.receive(new AbortController().signal)));
    source.close();
    await new PgSink({ databaseUrl: db.url, poolSize: 1 }).ensureSchema();

    const thread = new WriterThread(setup(queueUrl, db.url), () => undefined);
    t.after(() => thread.close());
    const first = await thread.write(received);
    const bad = events.filter((e) => e.expect !== "row").length;
    assert.equal(first.loaded, 30 - bad);
    assert.equal(
      [...first.rejected.values()].reduce((a, b) => a + b, 0),
      bad,
    );
    assert.deepEqual(await thread.delete(received), { deleted: 30, failed: [] });
    assert.deepEqual(await sqs.depth(queueUrl), { visible: 0, inFlight: 0 });
    const again = await thread.write(received);
    assert.deepEqual([again.loaded, again.duplicates], [0, 30]);

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const rows = await client.query("SELECT count(*)::int AS n FROM user_logins");
    await client.end();
    assert.equal(rows.rows[0]?.n, 30 - bad);

    await thread.close();
    await assert.rejects(
      thread.write(received),
      (error: unknown) => error instanceof SecureLogError && error.code === "internal",
    );
  });

  it("passes a database outage back as a retryable sink failure, without the password", async () => {
    const thread = new WriterThread(
      setup(`${services.sqs.endpoint}/000000000000/none`, "postgres://app:s3cret@127.0.0.1:1/analytics"),
      () => undefined,
    );
    try {
      await assert.rejects(thread.write([]), (error: unknown) => {
        assert.ok(error instanceof SecureLogError, String(error));
        assert.equal(error.disposition, "retry");
        assert.match(error.message, /ECONNREFUSED/);
        assert.ok(!error.message.includes("s3cret"));
        return true;
      });
    } finally {
      await thread.close();
    }
  });
});

describe("the writer thread's start", () => {
  /** Files in a compile cache after a process that enabled it loaded writer-thread.ts and maybe started one. */
  function cachedModules(startThread: boolean): number {
    const dir = mkdtempSync(join(tmpdir(), "securelog-compile-cache-"));
    const program = `
      import module from "node:module";
      module.enableCompileCache(process.argv[2]);
      const { WriterThread } = await import(${JSON.stringify(new URL("../../src/pipeline/writer-thread.ts", import.meta.url).href)});
      if (process.argv[3] === "start") {
        const thread = new WriterThread({
          databaseUrl: "postgres://nobody@127.0.0.1:1/none", schema: "public", poolSize: 1,
          mask: { mode: "sha256" }, appVersion: "major", maxSockets: 1,
          sqs: { queueUrl: "http://127.0.0.1:1/1/q", endpoint: "http://127.0.0.1:1", region: "us-east-1",
                 credentials: { accessKeyId: "a", secretAccessKey: "b" } },
        }, () => {});
        await thread.write([]).catch(() => {}); // answered once the thread has loaded its modules
        await thread.close();
      }`;
    // A file, not --eval: the thread inherits the process's flags, and --input-type would make it fail.
    const file = join(dir, "start.mjs");
    writeFileSync(file, program);
    const cache = join(dir, "cache");
    try {
      execFileSync(process.execPath, [file, cache, startThread ? "start" : ""]);
      return readdirSync(cache, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it("loads its modules through the process's compile cache, as the main thread does", () => {
    const mainThreadOnly = cachedModules(false);
    const withThread = cachedModules(true);
    // The thread's own modules (pg, undici, the signer, the transform) are in the cache only if it used it.
    assert.ok(
      withThread > mainThreadOnly + 50,
      `${withThread} cached with the thread, ${mainThreadOnly} without`,
    );
  });
});
