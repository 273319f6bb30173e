/**
 * Issue #10's acceptance run: one queue holding 200 good messages plus one of each poison kind that used to stop
 * the pipeline, fool the ledger or leak a raw value. One `securelog run --until-empty` must drain it all.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { ORIGINAL_ID_ATTRIBUTE } from "../../src/source/replay-id.ts";
import { generateKeyText } from "../../src/transform/mask-key.ts";
import { generateEvents } from "../fixtures/sample-events.ts";
import { runCli } from "../helpers/cli.ts";
import { loginEvent } from "../helpers/memory.ts";
import { createTestDatabase } from "../helpers/postgres.ts";
import { startTestSqs } from "../helpers/sqs.ts";

const event = (fields: Record<string, unknown>) =>
  loginEvent({
    user_id: `poison-${Math.random().toString(16).slice(2)}`,
    ip: "198.18.7.7",
    device_id: "901-23-4567",
    ...fields,
  });
const deep = `${"[".repeat(20_000)}${"]".repeat(20_000)}`;

interface Poison {
  readonly what: string;
  readonly body: string;
  readonly attribute?: string;
  /** "row", or the rejection reason. */
  readonly expect: string;
}

const POISON: Poison[] = [
  {
    what: "lone surrogate in a kept field",
    body: event({ user_id: "u\ud800" }),
    expect: "invalid_unicode:user_id",
  },
  {
    what: "lone surrogate in a key name of a rejected body",
    body: `{"\\udc00key": "198.18.7.8", "user_id": "x"}`,
    expect: "missing_field:device_type",
  },
  {
    // Escaped in the JSON text: fauxqs refuses astral characters in a body (SQS itself accepts them).
    what: "200 emoji as user_id (the rejection's truncation used to cut a pair)",
    body: event({ user_id: "@EMOJI@" }).replace("@EMOJI@", `a${"\\ud83d\\ude00".repeat(200)}`),
    expect: "too_long:user_id",
  },
  {
    what: "20,000 levels of nesting in an unknown field",
    body: event({ extra: "@DEEP@" }).replace('"@DEEP@"', deep),
    expect: "row",
  },
  {
    what: "a 4,000-character SecureLogOriginalId",
    body: event({}),
    attribute: "x".repeat(4000),
    expect: "row",
  },
  { what: "forged SecureLogOriginalId 1/3", body: event({}), attribute: "same-forged-id", expect: "row" },
  { what: "forged SecureLogOriginalId 2/3", body: event({}), attribute: "same-forged-id", expect: "row" },
  { what: "forged SecureLogOriginalId 3/3", body: event({}), attribute: "same-forged-id", expect: "row" },
  {
    what: "personal data as a key name",
    body: `{"198.18.9.9": "x", "901-23-9999": 1}`,
    expect: "missing_field:user_id",
  },
  {
    what: "device id with a lone surrogate (a)",
    body: event({ device_id: "901-23-4567\ud800" }),
    expect: "invalid_unicode:device_id",
  },
  {
    what: "device id with a lone surrogate (b)",
    body: event({ device_id: "901-23-4567\udbff" }),
    expect: "invalid_unicode:device_id",
  },
  {
    what: "duplicate ip, valid first",
    body: `${event({}).slice(0, -1)}, "ip": "not-an-ip"}`,
    expect: "duplicate_field:ip",
  },
  {
    what: "duplicate ip, valid last",
    body: `{"ip": "not-an-ip", ${event({}).slice(1)}`,
    expect: "duplicate_field:ip",
  },
  {
    what: "numeric version 1.10",
    body: event({ app_version: "@V@" }).replace('"@V@"', "1.10"),
    expect: "row",
  },
  {
    what: "numeric version that rounds",
    body: event({ app_version: "@V@" }).replace('"@V@"', "2.9999999999999999"),
    expect: "invalid_field:app_version",
  },
  { what: "IPv6 with a zone id", body: event({ ip: "fe80::1%eth0" }), expect: "row" },
  { what: "the same IPv6 spelled out", body: event({ ip: "fe80:0:0:0:0:0:0:1%eth0" }), expect: "row" },
  { what: "an empty locale", body: event({ locale: "" }), expect: "row" },
];

describe("one run over a queue of good and poison messages", () => {
  it("exits 0, empties the queue, one outcome each, spoofed ids load separately, no raw value anywhere", async () => {
    const db = await createTestDatabase();
    const sqs = await startTestSqs();
    let passed = false;
    try {
      const queueUrl = await sqs.createQueue("poison");
      const good = generateEvents(200, { seed: 10, badRatio: 0 });
      await sqs.send(
        queueUrl,
        good.map((e) => e.body),
      );
      for (const [i, poison] of POISON.entries()) {
        const sent = await sqs.client.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: [
              {
                Id: String(i),
                MessageBody: poison.body,
                ...(poison.attribute === undefined
                  ? {}
                  : {
                      MessageAttributes: {
                        [ORIGINAL_ID_ATTRIBUTE]: { DataType: "String", StringValue: poison.attribute },
                      },
                    }),
              },
            ],
          }),
        );
        assert.deepEqual(sent.Failed ?? [], [], poison.what);
      }
      const total = good.length + POISON.length;
      const key = generateKeyText();
      const run = await runCli(
        [
          "run",
          "--until-empty",
          "--app-version",
          "packed",
          "--queue-url",
          queueUrl,
          "--database-url",
          db.url,
        ],
        { SECURELOG_KEY: key },
      );
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(await sqs.depth(queueUrl), { visible: 0, inFlight: 0 });

      const [counts] = await db.query<{ rows: string; rejects: string; ledger: string }>(
        `SELECT (SELECT count(*) FROM user_logins) AS rows, (SELECT count(*) FROM user_logins_rejects) AS rejects,
                (SELECT count(*) FROM securelog_processed) AS ledger`,
      );
      const expectedRows = good.length + POISON.filter((p) => p.expect === "row").length;
      assert.deepEqual(
        { rows: Number(counts?.rows), rejects: Number(counts?.rejects), ledger: Number(counts?.ledger) },
        { rows: expectedRows, rejects: total - expectedRows, ledger: total },
      );
      const reasons = await db.query<{ reason: string; n: string }>(
        "SELECT reason, count(*) AS n FROM user_logins_rejects GROUP BY reason ORDER BY reason",
      );
      const expectedReasons = new Map<string, number>();
      for (const p of POISON.filter((p) => p.expect !== "row"))
        expectedReasons.set(p.expect, (expectedReasons.get(p.expect) ?? 0) + 1);
      assert.deepEqual(new Map(reasons.map((r) => [r.reason, Number(r.n)])), expectedReasons);

      // The three messages carrying one forged id are three rows; the zoned IPv6 spellings mask alike.
      const forgedRows = await db.query("SELECT 1 FROM user_logins WHERE user_id LIKE 'poison-%'");
      assert.equal(forgedRows.length, POISON.filter((p) => p.expect === "row").length);
      const zoned = await db.query<{ n: string }>(
        "SELECT count(DISTINCT masked_ip) AS n FROM user_logins WHERE masked_ip IN (SELECT masked_ip FROM user_logins GROUP BY 1 HAVING count(*) = 2)",
      );
      assert.ok(Number(zoned[0]?.n) >= 1, "fe80::1%eth0 spelled two ways gives one mask");
      const [packed] = await db.query<{ n: string }>(
        "SELECT count(*) AS n FROM user_logins WHERE app_version = 1010000",
      );
      assert.equal(Number(packed?.n), 1, "1.10 packs as 1.10.0, not 1.1");
      const [nullLocale] = await db.query<{ n: string }>(
        "SELECT count(*) AS n FROM user_logins WHERE user_id LIKE 'poison-%' AND locale IS NULL",
      );
      assert.equal(Number(nullLocale?.n), 1);

      // No raw ip or device id in a full pg_dump or in anything the run printed.
      const url = new URL(db.url);
      const dump = spawnSync(
        "pg_dump",
        [
          "-h",
          url.hostname,
          "-p",
          url.port || "5432",
          "-U",
          url.username || "postgres",
          url.pathname.slice(1),
        ],
        { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
      );
      assert.equal(dump.status, 0, dump.stderr);
      const raw = [
        ...good.flatMap((e) => [e.ip, e.deviceId]),
        "198.18.7.7",
        "198.18.7.8",
        "198.18.9.9",
        "901-23-4567",
        "901-23-9999",
        "fe80::1",
        "fe80:0:0",
      ].filter((v): v is string => v !== undefined);
      const everything = `${dump.stdout}\n${run.stdout}\n${run.stderr}`;
      assert.deepEqual(
        raw.filter((value) => everything.includes(value)),
        [],
      );
      passed = true;
    } finally {
      await sqs.stop();
      await db.drop(!passed);
    }
  });
});
