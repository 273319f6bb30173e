import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe } from "node:test";
import { z } from "zod";
import { ReportSchema } from "../../src/report/report-schema.ts";
import { PgSink } from "../../src/sink/pg-sink.ts";
import { createMasker } from "../../src/transform/mask.ts";
import { generateKeyText, keyRing, parseKey } from "../../src/transform/mask-key.ts";
import { type CliResult, runCli } from "../helpers/cli.ts";
import { createTestDatabase, failureTracker, type TestDatabase } from "../helpers/postgres.ts";

/**
 * The report over generated rows with planted patterns, written straight into user_logins with the masks a run
 * stores (the load path itself is tested elsewhere): a device shared by 7 users, an address used by 9 users on one
 * day, a user on 6 devices. Each must top its section with its exact stored mask, and every section must equal a
 * plain-SQL oracle written here independently of src/report.
 */
const KEY = generateKeyText();
const masker = createMasker({ mode: "hmac", keys: keyRing(parseKey(KEY, "test key"), []) });
const SHARED_DEVICE = "PLANT-777-DEVICE";
const BUSY_IP = "198.18.9.9";
const ROAMER = "roaming-user-0006";
const BUSY_DAY = "2026-11-20";

interface Row {
  user_id: string;
  device_type: string;
  ip: string;
  device_id: string;
  locale: string | null;
  app_version: number;
  create_date: string;
}

function plantedRows(): Row[] {
  const rows: Row[] = [];
  const day = (i: number) => `2026-11-${String(10 + (i % 20)).padStart(2, "0")}`;
  // Background: 300 logins, each user, device and address its own (nothing shared), three app versions.
  for (let i = 0; i < 300; i++)
    rows.push({
      user_id: `user-${i}`,
      device_type: ["android", "ios", "web"][i % 3] ?? "web",
      ip: `10.9.${Math.floor(i / 250)}.${i % 250}`,
      device_id: `DEV-${i}`,
      locale: i % 3 === 0 ? null : (["DE", "RU"][i % 2] ?? "DE"),
      app_version: 1 + (i % 3),
      create_date: day(i),
    });
  // A device shared by 7 users, twice each; a device shared by 3 (second place).
  for (let u = 0; u < 7; u++)
    for (let n = 0; n < 2; n++)
      rows.push({ ...base(`sharer-${u}`, `10.1.${u}.${n}`, SHARED_DEVICE), create_date: day(u + n) });
  for (let u = 0; u < 3; u++)
    rows.push({ ...base(`pair-${u}`, `10.2.0.${u}`, "PLANT-3-DEVICE"), create_date: day(u) });
  // One address, 9 users on one day.
  for (let u = 0; u < 9; u++)
    rows.push({ ...base(`busy-${u}`, BUSY_IP, `BUSY-DEV-${u}`), create_date: BUSY_DAY });
  // One user on 6 devices and 6 addresses.
  for (let d = 0; d < 6; d++)
    rows.push({ ...base(ROAMER, `10.3.0.${d}`, `ROAM-DEV-${d}`), create_date: day(d) });
  return rows;
}

function base(user: string, ip: string, device: string): Omit<Row, "create_date"> {
  return { user_id: user, device_type: "android", ip, device_id: device, locale: "GB", app_version: 4 };
}

/** Rows into user_logins and the feed in one statement, as the load path writes them. */
async function load(db: TestDatabase, stored: readonly object[]): Promise<void> {
  await db.query(
    `WITH r AS (SELECT * FROM json_to_recordset($1::json) AS r(user_id text, device_type text, masked_ip text,
       masked_device_id text, locale text, app_version int, create_date date)),
     f AS (INSERT INTO securelog_report_feed SELECT * FROM r)
     INSERT INTO user_logins SELECT * FROM r`,
    [JSON.stringify(stored)],
  );
}

function json(result: CliResult): z.infer<typeof ReportSchema> {
  assert.equal(result.code, 0, result.stderr);
  return ReportSchema.parse(JSON.parse(result.stdout));
}

describe("securelog report", () => {
  let db: TestDatabase;
  const { check, keep } = failureTracker();
  const rows = plantedRows();
  const report = (...args: string[]) => runCli(["report", "--database-url", db.url, ...args]);

  before(async () => {
    db = await createTestDatabase();
    const sink = new PgSink({ databaseUrl: db.url, poolSize: 1 });
    await sink.ensureSchema();
    await sink.close();
    // As a load writes them: into user_logins and the report's feed in one statement (sql/insert-outcomes.ts),
    // in two halves with a report between, so the second half is folded into rollups already holding the first.
    const stored = rows.map((r) => ({
      ...r,
      masked_ip: masker.mask("ip", r.ip),
      masked_device_id: masker.mask("device_id", r.device_id),
    }));
    const half = Math.floor(stored.length / 2);
    await load(db, stored.slice(0, half));
    assert.equal((await report("--json")).code, 0);
    await load(db, stored.slice(half));
    await db.query(
      `INSERT INTO user_logins_rejects (message_id, reason, received_at, sent_at, receive_count, body_digest, body_bytes)
       VALUES ('r1', 'invalid_field:ip', now(), '2026-11-20T10:00:00Z', 1, 'd', 1),
              ('r2', 'invalid_field:ip', now(), '2026-11-20T11:00:00Z', 1, 'd', 1),
              ('r3', 'malformed_json', now(), '2026-11-21T11:00:00Z', 1, 'd', 1)`,
    );
  });
  after(async () => {
    await db?.drop(keep());
  });

  check("finds each planted pattern at the top of its section, with the exact stored mask", async () => {
    const r = json(await report("--json"));
    assert.deepEqual(r.shared_devices[0], {
      masked_device_id: masker.mask("device_id", SHARED_DEVICE),
      users: 7,
      logins: 14,
      first_seen: "2026-11-10",
      last_seen: "2026-11-17",
    });
    assert.equal(r.shared_devices[1]?.users, 3);
    assert.deepEqual(r.busy_ips[0], {
      date: BUSY_DAY,
      masked_ip: masker.mask("ip", BUSY_IP),
      users: 9,
      logins: 9,
    });
    assert.deepEqual(r.roaming_users[0], { user_id: ROAMER, devices: 6, ips: 6, logins: 6 });
    assert.deepEqual(r.rejections, [
      { date: "2026-11-20", reason: "invalid_field:ip", count: 2 },
      { date: "2026-11-21", reason: "malformed_json", count: 1 },
    ]);
  });

  check("every section equals a plain-SQL oracle over the same rows", async () => {
    const r = json(await report("--json", "--top", "1000"));
    const q = (sql: string) => db.query(sql);
    assert.deepEqual(
      r.days,
      await q(`SELECT create_date::text AS date, count(*)::int AS logins, count(DISTINCT user_id)::int AS users
               FROM user_logins GROUP BY 1 ORDER BY 1`),
    );
    assert.deepEqual(
      r.shared_devices,
      await q(`SELECT masked_device_id, count(DISTINCT user_id)::int AS users, count(*)::int AS logins,
                 min(create_date)::text AS first_seen, max(create_date)::text AS last_seen
               FROM user_logins GROUP BY 1 HAVING count(DISTINCT user_id) > 1
               ORDER BY users DESC, logins DESC, masked_device_id`),
    );
    assert.deepEqual(
      r.busy_ips,
      await q(`SELECT create_date::text AS date, masked_ip, count(DISTINCT user_id)::int AS users, count(*)::int AS logins
               FROM user_logins GROUP BY 1, 2 HAVING count(DISTINCT user_id) > 1
               ORDER BY users DESC, logins DESC, date, masked_ip`),
    );
    assert.deepEqual(
      r.roaming_users,
      await q(`SELECT user_id, count(DISTINCT masked_device_id)::int AS devices, count(DISTINCT masked_ip)::int AS ips,
                 count(*)::int AS logins FROM user_logins GROUP BY 1 ORDER BY devices DESC, ips DESC, logins DESC, user_id`),
    );
    assert.deepEqual(
      r.app_versions,
      await q(`SELECT create_date::text AS date, app_version, count(*)::int AS logins FROM user_logins
               GROUP BY 1, 2 ORDER BY 1, 2`),
    );
    assert.deepEqual(
      r.device_types,
      await q(`SELECT device_type, count(*)::int AS logins, count(DISTINCT user_id)::int AS users FROM user_logins
               GROUP BY 1 ORDER BY logins DESC, device_type`),
    );
    assert.deepEqual(
      r.locales,
      await q(`SELECT locale, count(*)::int AS logins, count(DISTINCT user_id)::int AS users FROM user_logins
               GROUP BY 1 ORDER BY logins DESC, locale NULLS LAST`),
    );
  });

  check(
    "--min-group K leaves out every group with fewer than K users and counts it under other",
    async () => {
      const r = json(await report("--json", "--min-group", "8", "--top", "1000"));
      // The 7-user device and every single user are left out; the 9-user address stays.
      assert.deepEqual(r.shared_devices, []);
      assert.deepEqual(r.other.shared_devices, { groups: 2, logins: 17 });
      assert.deepEqual(
        r.busy_ips.map((b) => b.users),
        [9],
      );
      assert.deepEqual(r.roaming_users, []);
      assert.equal(r.other.roaming_users.groups, new Set(rows.map((row) => row.user_id)).size);
      for (const d of r.days) assert.ok(d.users >= 8);
      for (const t of r.device_types) assert.ok(t.users >= 8);
      const logins = r.days.reduce((n, d) => n + d.logins, 0) + r.other.days.logins;
      assert.equal(logins, rows.length, "what is left out is counted: the days still add up");
    },
  );

  check("--since and --until select days; a bad date is one clear error", async () => {
    const r = json(await report("--json", "--since", BUSY_DAY, "--until", BUSY_DAY));
    assert.deepEqual(
      r.days.map((d) => d.date),
      [BUSY_DAY],
    );
    assert.ok(r.busy_ips.every((b) => b.date === BUSY_DAY));
    assert.deepEqual(
      r.rejections.map((x) => x.date),
      [BUSY_DAY],
    );
    const bad = await report("--since", "2026-02-30");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^securelog: error: --since must be a date as YYYY-MM-DD \(got "2026-02-30"\)/);
  });

  check(
    "the terminal form fits 100 columns, shortens masks, and shows no raw ip or device id anywhere",
    async () => {
      const text = await report();
      assert.equal(text.code, 0, text.stderr);
      for (const line of text.stdout.split("\n")) assert.ok(line.length <= 100, line);
      assert.match(text.stdout, /Shared devices/);
      assert.ok(text.stdout.includes(masker.mask("device_id", SHARED_DEVICE).slice(0, 21)));
      const everything = `${text.stdout}${(await report("--json")).stdout}`;
      for (const raw of [SHARED_DEVICE, BUSY_IP, "ROAM-DEV-1", "10.3.0.1", "10.9.0.7"])
        assert.ok(!everything.includes(raw), `${raw} in the report`);
    },
  );

  check(
    "--install-views: each view gives the report's answers; every panel of the analysts' dashboard runs",
    async () => {
      const installed = await report("--install-views");
      assert.equal(installed.code, 0, installed.stderr);
      assert.match(installed.stdout, /created or replaced 8 views/);
      const r = json(await report("--json", "--top", "1000"));
      const q = (sql: string) => db.query(sql);
      assert.deepEqual(
        r.days,
        await q("SELECT date::text AS date, logins, users FROM securelog_report_days ORDER BY date"),
      );
      assert.deepEqual(
        r.shared_devices,
        await q(`SELECT masked_device_id, users, logins, first_seen::text AS first_seen, last_seen::text AS last_seen
               FROM securelog_report_shared_devices ORDER BY users DESC, logins DESC, masked_device_id`),
      );
      assert.deepEqual(
        r.busy_ips,
        await q(`SELECT date::text AS date, masked_ip, users, logins FROM securelog_report_busy_ips
               ORDER BY users DESC, logins DESC, date, masked_ip`),
      );
      assert.deepEqual(
        r.roaming_users,
        await q(`SELECT user_id, devices, ips, logins FROM securelog_report_roaming_users
               ORDER BY devices DESC, ips DESC, logins DESC, user_id`),
      );
      assert.deepEqual(
        r.app_versions,
        await q(
          "SELECT date::text AS date, app_version, logins FROM securelog_report_app_versions ORDER BY 1, 2",
        ),
      );
      assert.deepEqual(
        r.rejections,
        await q("SELECT date::text AS date, reason, count FROM securelog_report_rejections ORDER BY 1, 2"),
      );
      // Grafana's $__timeFilter(column) expands to a range over the dashboard's time window.
      const dashboard = JSON.parse(
        readFileSync(
          new URL("../../deploy/grafana/securelog-analysis-dashboard.json", import.meta.url),
          "utf8",
        ),
      ) as { panels: { title: string; targets: { rawSql: string }[] }[] };
      assert.ok(dashboard.panels.length >= 6);
      for (const panel of dashboard.panels)
        for (const target of panel.targets) {
          const sql = target.rawSql.replace(
            /\$__timeFilter\((\w+)\)/g,
            "$1 BETWEEN '2026-11-01T00:00:00Z' AND '2026-12-01T00:00:00Z'",
          );
          const result = await q(sql);
          assert.ok(result.length > 0, `${panel.title}: no rows`);
          assert.doesNotMatch(JSON.stringify(result), /PLANT-777|198\.18\.9\.9|10\.3\.0\./, panel.title);
        }
    },
  );

  check(
    "after forget, the erased device is gone from the report and from every view (they keep nothing of their own)",
    async () => {
      const forget = await runCli(
        ["forget", "--device-id", SHARED_DEVICE, "--reason", "t", "--database-url", db.url],
        { SECURELOG_KEY: KEY },
      );
      assert.equal(forget.code, 0, forget.stderr);
      const mask = masker.mask("device_id", SHARED_DEVICE);
      const after = await report("--json", "--top", "1000");
      assert.equal(after.code, 0, after.stderr);
      assert.ok(!after.stdout.includes(mask), "the erased device's mask is not in the report");
      for (const view of ["securelog_report_shared_devices", "securelog_report_days"])
        assert.ok(!JSON.stringify(await db.query(`SELECT * FROM ${view}`)).includes(mask), view);
    },
  );

  check("docs/analysis.md holds the JSON Schema the output is validated against", () => {
    const doc = readFileSync(new URL("../../docs/analysis.md", import.meta.url), "utf8");
    const block = /```json\n([\s\S]*?)\n```/.exec(doc)?.[1];
    assert.deepEqual(JSON.parse(block ?? "{}"), z.toJSONSchema(ReportSchema));
    return Promise.resolve();
  });
});
