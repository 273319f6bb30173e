import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import pg from "pg";
import { startEmbeddedPostgres } from "../../src/embedded/embedded-postgres.ts";
import { SecureLogError } from "../../src/errors.ts";
import { PgSink } from "../../src/sink/pg-sink.ts";
import type { SourceMessage } from "../../src/source/message.ts";
import { createMasker } from "../../src/transform/mask.ts";
import { keyFromBytes, keyRing } from "../../src/transform/mask-key.ts";
import { createTransformer, type Outcome } from "../../src/transform/transform.ts";
import { generateEvents } from "../fixtures/sample-events.ts";
import { createTestDatabase } from "../helpers/postgres.ts";

const transform = createTransformer(
  createMasker({ mode: "hmac", keys: keyRing(keyFromBytes(Buffer.alloc(32, 1)), []) }),
  "major",
);

function outcomes(count: number, prefix: string): Outcome[] {
  return generateEvents(count, { seed: count, badRatio: 0.2 }).map((event, i) => {
    const message: SourceMessage = {
      id: `${prefix}-${i}`,
      receiptHandle: "r",
      body: event.body,
      sentTimestampMs: Date.parse("2026-02-03T12:00:00Z"),
      receiveCount: 1,
      receivedAt: new Date(),
    };
    return transform(message);
  });
}

interface Backend {
  readonly name: string;
  start(): Promise<{ url: string; stop(failed: boolean): Promise<void> }>;
}

const BACKENDS: Backend[] = [
  {
    name: "PostgreSQL server",
    async start() {
      const db = await createTestDatabase();
      return { url: db.url, stop: (failed) => db.drop(failed) };
    },
  },
  {
    name: "PGlite over the wire protocol",
    async start() {
      const dir = mkdtempSync(join(tmpdir(), "securelog-pglite-"));
      const server = await startEmbeddedPostgres(join(dir, "data"));
      return {
        url: server.databaseUrl,
        async stop() {
          await server.stop();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
];

// The same behaviour, proven on each database the sink is meant to run against.
for (const backend of BACKENDS) {
  describe(`PgSink on ${backend.name}`, () => {
    let url: string;
    let stop: (failed: boolean) => Promise<void>;
    let sink: PgSink;
    let client: pg.Client;
    const failed: string[] = [];
    const count = async (table: string) =>
      Number((await client.query(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n);

    before(async () => {
      ({ url, stop } = await backend.start());
      sink = new PgSink({ databaseUrl: url, poolSize: 1 });
      await sink.ensureSchema();
      await sink.ensureSchema(); // idempotent
      client = new pg.Client({ connectionString: url });
      await client.connect();
    });
    afterEach((t) => {
      // TestContext.passed exists since Node 21.7; @types/node declares it on SuiteContext only.
      if ((t as { readonly passed?: boolean }).passed !== true) failed.push(t.name);
    });
    after(async () => {
      await client?.end();
      await sink?.close();
      await stop?.(failed.length > 0);
    });

    it("creates user_logins with exactly the destination's columns", async () => {
      const columns = await client.query<{ column_name: string; data_type: string; len: number | null }>(
        `SELECT column_name, data_type, character_maximum_length AS len FROM information_schema.columns
         WHERE table_name = 'user_logins' ORDER BY ordinal_position`,
      );
      assert.deepEqual(
        columns.rows.map((c) => `${c.column_name} ${c.data_type}${c.len === null ? "" : `(${c.len})`}`),
        [
          "user_id character varying(128)",
          "device_type character varying(32)",
          "masked_ip character varying(256)",
          "masked_device_id character varying(256)",
          "locale character varying(32)",
          "app_version integer",
          "create_date date",
        ],
      );
    });

    it("writes rows and rejections in one call, and skips them all when written again", async () => {
      const batch = outcomes(200, "a");
      const rows = batch.filter((o) => o.kind === "row").length;
      const first = await sink.write(batch);
      assert.equal(first.loaded, rows);
      assert.equal(
        [...first.rejected.values()].reduce((a, b) => a + b, 0),
        200 - rows,
      );
      assert.equal(first.duplicates, 0);
      const again = await sink.write(batch);
      assert.deepEqual([again.loaded, again.rejected.size, again.duplicates], [0, 0, 200]);
      assert.equal(await count("user_logins"), rows);
      assert.equal(await count("user_logins_rejects"), 200 - rows);
      const dates = await client.query("SELECT DISTINCT create_date::text AS d FROM user_logins");
      assert.deepEqual(dates.rows, [{ d: "2026-02-03" }]);
    });

    it("loads only the new messages of a batch that also holds committed ones, rows and rejections alike", async () => {
      const committed = outcomes(40, "m").slice(0, 20);
      await sink.write(committed);
      const batch = outcomes(40, "m"); // the same 20, then 20 new ones
      const fresh = batch.slice(20);
      const freshRows = fresh.filter((o) => o.kind === "row").length;
      assert.ok(freshRows > 0 && freshRows < 20, "the new half holds rows and rejections");
      const before = [await count("user_logins"), await count("user_logins_rejects")];
      const result = await sink.write(batch);
      assert.equal(result.loaded, freshRows);
      assert.equal(
        [...result.rejected.values()].reduce((a, b) => a + b, 0),
        20 - freshRows,
      );
      assert.equal(result.duplicates, 20);
      assert.deepEqual(
        [await count("user_logins"), await count("user_logins_rejects")],
        [(before[0] ?? 0) + freshRows, (before[1] ?? 0) + 20 - freshRows],
      );
    });

    it("loads one row when the same message appears twice in a batch", async () => {
      const one = outcomes(10, "b").find((o) => o.kind === "row");
      assert.ok(one !== undefined);
      const before = await count("user_logins");
      const result = await sink.write([one, one]);
      assert.deepEqual([result.loaded, result.duplicates], [1, 1]);
      assert.equal((await count("user_logins")) - before, 1);
    });

    it("stores every hostile rejection: cut surrogate pairs, lone surrogates, deep nesting, PII as key names", async () => {
      const deep = `${"[".repeat(20_000)}${"]".repeat(20_000)}`;
      const hostile = [
        `{"user_id": "a${"😀".repeat(200)}", "device_type": "x", "ip": "1.2.3.4", "device_id": "d", "app_version": "1"}`,
        `{"user_id": "u\\ud800", "\\udc00key": "v", "device_type": "\\ud83d"}`,
        `{"user_id": "u", "extra": ${deep}, "ip": ${deep}}`,
        `{"10.9.8.7": "x", "593-47-5928": "y", "a\\u0000b": "\\u0000"}`,
      ];
      const batch = hostile.map((body, i) =>
        transform({
          id: `hostile-${i}`,
          body,
          sentTimestampMs: Date.parse("2026-02-03T12:00:00Z"),
          receiveCount: 1,
          receivedAt: new Date(),
        }),
      );
      assert.ok(batch.every((o) => o.kind === "reject"));
      const result = await sink.write(batch);
      assert.equal(
        [...result.rejected.values()].reduce((a, b) => a + b, 0),
        hostile.length,
      );
      const stored = await client.query<{ b: string }>(
        "SELECT masked_body::text AS b FROM user_logins_rejects WHERE message_id LIKE 'hostile-%'",
      );
      assert.equal(stored.rows.length, hostile.length);
      const text = stored.rows.map((r) => r.b).join("\n");
      assert.ok(!text.includes("10.9.8.7") && !text.includes("593-47-5928"), text);
    });

    it("reports a value PostgreSQL refuses as a data failure and commits nothing of the batch", async () => {
      const batch = outcomes(10, "c").filter((o) => o.kind === "row");
      const bad = batch[0];
      assert.ok(bad !== undefined && bad.kind === "row");
      const poisoned: Outcome = { ...bad, row: { ...bad.row, user_id: "nul\u0000inside" } };
      const before = await count("securelog_processed");
      await assert.rejects(sink.write([poisoned, ...batch.slice(1)]), (error: unknown) => {
        assert.ok(error instanceof SecureLogError);
        assert.equal(error.disposition, "data");
        assert.ok(!error.message.includes("nul"), error.message);
        return true;
      });
      assert.equal(await count("securelog_processed"), before);
    });
  });
}

describe("PgSink without a database", () => {
  it("says which database it cannot reach, without the password", async () => {
    const sink = new PgSink({ databaseUrl: "postgres://app:s3cret@127.0.0.1:1/analytics", poolSize: 1 });
    await assert.rejects(sink.ensureSchema(), (error: Error & { code?: string; exitCode?: number }) => {
      assert.equal(error.code, "database_unreachable");
      assert.equal(error.exitCode, 1);
      assert.match(error.message, /cannot reach PostgreSQL at 127\.0\.0\.1:1\/analytics: .*ECONNREFUSED/);
      assert.ok(!error.message.includes("s3cret"));
      return true;
    });
    await assert.rejects(
      sink.write(outcomes(1, "d")),
      (error: unknown) => error instanceof SecureLogError && error.disposition === "retry",
    );
    await sink.close();
  });
});
