/**
 * The report's rollups are exact: what a drain loads while reports fold concurrently is counted once, the report
 * from the rollups equals the one read from user_logins, forget leaves nothing of an erased value in a side
 * table, and `report --rebuild` restores them. Real PostgreSQL, real CLI, the SQS emulator.
 */
import assert from "node:assert/strict";
import { after, before, describe } from "node:test";
import type { z } from "zod";
import { ReportSchema } from "../../src/report/report-schema.ts";
import { createMasker } from "../../src/transform/mask.ts";
import { generateKeyText, keyRing, parseKey } from "../../src/transform/mask-key.ts";
import { generateEvents } from "../fixtures/sample-events.ts";
import { type CliResult, runCli, startCli, until } from "../helpers/cli.ts";
import {
  createTestDatabase,
  createTestRole,
  failureTracker,
  type TestDatabase,
} from "../helpers/postgres.ts";
import { startTestSqs, type TestSqs } from "../helpers/sqs.ts";

const KEY_TEXT = generateKeyText();
const KEY = { SECURELOG_KEY: KEY_TEXT };
const masker = createMasker({ mode: "hmac", keys: keyRing(parseKey(KEY_TEXT, "test key"), []) });
const events = generateEvents(6000, { seed: 77 });
const SIDE_TABLES = [
  "securelog_report_feed",
  "securelog_report_pairs",
  "securelog_report_totals",
  "securelog_report_daily",
];

function json(result: CliResult): z.infer<typeof ReportSchema> {
  assert.equal(result.code, 0, result.stderr);
  return ReportSchema.parse(JSON.parse(result.stdout));
}

describe("the report's rollups", () => {
  let db: TestDatabase;
  let sqs: TestSqs;
  const { check, keep } = failureTracker();
  const report = (...args: string[]) =>
    runCli(["report", "--json", "--top", "1000", "--database-url", db.url, ...args]);
  /** The same report read from user_logins alone (the rollups marked stale for it, then current again). */
  const fromRows = async () => {
    await db.query("UPDATE securelog_report_state SET valid = false");
    const result = await report();
    await db.query("UPDATE securelog_report_state SET valid = true");
    assert.match(result.stderr, /read from user_logins/);
    return json(result);
  };
  const sideTablesHold = async (mask: string) => {
    const found: string[] = [];
    for (const table of SIDE_TABLES)
      if (JSON.stringify(await db.query(`SELECT * FROM ${table}`)).includes(mask)) found.push(table);
    return found;
  };

  before(async () => {
    db = await createTestDatabase();
    sqs = await startTestSqs();
  });
  after(async () => {
    await sqs?.stop();
    await db?.drop(keep());
  });

  check(
    "rows loaded while reports fold are counted once: the report equals user_logins read whole",
    async () => {
      const queueUrl = await sqs.createQueue("rollups");
      await sqs.send(
        queueUrl,
        events.map((e) => e.body),
      );
      const drain = startCli(
        ["run", "--until-empty", "--wait-time", "1", "--batch-size", "100", "--queue-url", queueUrl],
        { ...KEY, DATABASE_URL: db.url },
      );
      let folds = 0;
      let finished = false;
      void drain.done.then(() => {
        finished = true;
      });
      while (!finished) {
        const during = await report();
        if (during.code === 0) {
          folds++;
          // One snapshot: the days, the device types and the locales count the same logins mid-drain.
          const r = json(during);
          const sum = (list: { logins: number }[]) => list.reduce((n, x) => n + x.logins, 0);
          assert.equal(sum(r.device_types), sum(r.days));
          assert.equal(sum(r.locales), sum(r.days));
        } else assert.match(during.stderr, /do not exist|tables_missing|no such/i, during.stderr);
      }
      const done = await drain.done;
      assert.equal(done.code, 0, done.stderr);
      assert.ok(folds >= 2, `only ${folds} reports ran during the drain`);
      const rolled = await report();
      assert.equal(rolled.stderr, "", "the report used its rollups");
      const [counts] = await db.query<{ rows: string; folded: string; feed: string }>(
        `SELECT (SELECT count(*) FROM user_logins) AS rows,
         (SELECT sum(logins) FROM securelog_report_daily WHERE kind = 'D') AS folded,
         (SELECT count(*) FROM securelog_report_feed) AS feed`,
      );
      assert.equal(Number(counts?.folded), Number(counts?.rows));
      assert.equal(Number(counts?.feed), 0);
      const r = json(rolled);
      assert.ok(r.shared_devices.length > 0, "the generated traffic shares devices");
      assert.deepEqual(r, await fromRows());
    },
  );

  check("a run that follows the queue folds what it loads every --fold-every seconds", async () => {
    const queueUrl = await sqs.createQueue("rollups-follow");
    const more = generateEvents(400, { seed: 78 });
    await sqs.send(
      queueUrl,
      more.map((e) => e.body),
    );
    const follow = startCli(["run", "--fold-every", "1", "--wait-time", "1", "--queue-url", queueUrl], {
      ...KEY,
      DATABASE_URL: db.url,
    });
    let last = "";
    const counts = async () =>
      (
        await db.query<{ rows: string; folded: string; feed: string }>(
          `SELECT (SELECT count(*) FROM user_logins) AS rows,
             (SELECT coalesce(sum(logins), 0) FROM securelog_report_daily WHERE kind = 'D') AS folded,
             (SELECT count(*) FROM securelog_report_feed) AS feed`,
        )
      )[0];
    const expected = events.concat(more).filter((e) => e.expect === "row").length;
    try {
      await until(
        async () => {
          const c = await counts();
          last = JSON.stringify(c);
          return Number(c?.rows) === expected && Number(c?.folded) === expected && Number(c?.feed) === 0;
        },
        () => `every row folded by the run itself: ${last}`,
        30_000,
      );
    } finally {
      follow.child.kill("SIGTERM");
    }
    assert.equal((await follow.done).code, 0, follow.output());
    assert.deepEqual(json(await report()), await fromRows());
  });

  check(
    "a range of one day is read from that day's rollups, and equals user_logins, whatever K",
    async () => {
      const [range] = await db.query<{ first: string; last: string }>(
        "SELECT min(create_date)::text AS first, max(create_date)::text AS last FROM user_logins",
      );
      const ranges = [
        ["--since", range?.first ?? "", "--until", range?.first ?? ""],
        ["--since", range?.last ?? ""],
      ];
      for (const args of ranges)
        for (const k of ["1", "2"]) {
          const rolled = await report(...args, "--min-group", k);
          assert.equal(rolled.stderr, "");
          await db.query("UPDATE securelog_report_state SET valid = false");
          const rows = await report(...args, "--min-group", k);
          await db.query("UPDATE securelog_report_state SET valid = true");
          assert.deepEqual(json(rolled), json(rows), `${args.join(" ")} --min-group ${k}`);
        }
    },
  );

  check("a role that may only read gets the same report from user_logins, and is told why", async () => {
    const role = await createTestRole(db.url, "report_reader");
    try {
      await db.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role.name}`);
      // A row loaded since the last fold (as a load writes it: the table and the feed), which this role may not fold.
      await db.query(`WITH r AS (SELECT * FROM user_logins LIMIT 1), f AS (INSERT INTO securelog_report_feed
        SELECT * FROM r) INSERT INTO user_logins SELECT * FROM r`);
      const result = await runCli(["report", "--json", "--top", "1000", "--database-url", role.url]);
      assert.match(result.stderr, /may read but not fold/);
      assert.deepEqual(json(result), json(await report()));
    } finally {
      await role.drop();
    }
  });

  check(
    "forget empties every side table of the erased device; --rebuild restores the rollups without it",
    async () => {
      // The raw device id the most users share, as the generated events hold it.
      const users = new Map<string, number>();
      for (const e of events)
        if (e.expect === "row") users.set(e.deviceId ?? "", (users.get(e.deviceId ?? "") ?? 0) + 1);
      const [device] = [...users.entries()].sort((a, b) => b[1] - a[1])[0] ?? [""];
      const shared = masker.mask("device_id", device);
      assert.ok(json(await report()).shared_devices.some((d) => d.masked_device_id === shared));
      assert.ok((await sideTablesHold(shared)).length > 0, "the rollups hold the device before forget");
      const forget = await runCli(
        ["forget", "--device-id", device, "--reason", "t", "--database-url", db.url],
        KEY,
      );
      assert.equal(forget.code, 0, forget.stderr);
      assert.deepEqual(await sideTablesHold(shared), []);
      const stale = await report();
      assert.match(stale.stderr, /stale/);
      assert.ok(!stale.stdout.includes(shared));
      const rebuilt = await runCli(["report", "--rebuild", "--database-url", db.url]);
      assert.equal(rebuilt.code, 0, rebuilt.stderr);
      assert.match(rebuilt.stdout, /rebuilt the report's rollups from \d+ rows/);
      assert.deepEqual(await sideTablesHold(shared), []);
      const current = await report();
      assert.equal(current.stderr, "");
      assert.deepEqual(json(current), await fromRows());
    },
  );
});
