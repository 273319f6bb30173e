// `node scripts/report-scale.ts [ROWS]`: how long `securelog report` takes as the table grows. Generates ROWS
// (default 10,000,000) login rows over 90 days straight into a fresh database with SQL (not through the load
// path: the shapes matter here, not the masking), with about 5 logins per user, 4 per device and 3 per address,
// and masks of the stored length, in date order as loads append them: nearly every login is a new (device, user) and (user, address) pair, the worst
// case for the rollups. Then times `report --rebuild` (the rows bypassed the load path's feed), the whole report
// (also with --min-group 5) and a one-day and a one-week --since, then a 91st day of ROWS/90 rows written as a load writes them (user_logins and the feed)
// and the report that folds it. Each figure is wall clock of the CLI process from start to exit (as a user
// waits); reports three times each. Prints the figures; writes nothing else.
import { execFileSync, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createTestDatabase } from "../test/helpers/postgres.ts";

const ROWS = Number(process.argv[2] ?? 10_000_000);
const BIN = fileURLToPath(new URL("../bin/securelog.mjs", import.meta.url));
const db = await createTestDatabase();
try {
  execFileSync(
    BIN,
    ["run", "--until-empty", "--mask", "sha256", "--queue-url", "http://127.0.0.1:1/0/none"],
    {
      env: { PATH: process.env.PATH ?? "", DATABASE_URL: db.url },
      stdio: "ignore",
    },
  ).toString();
} catch {
  // The queue does not exist: the run exits 1 after creating the tables, which is all that is needed here.
}
const started = performance.now();
await db.query(`INSERT INTO user_logins
  SELECT 'u-' || (g % ${Math.max(1, Math.floor(ROWS / 5))}),
         (ARRAY['android','ios','web'])[1 + g % 3],
         'k1:' || md5('ip' || (g % ${Math.max(1, Math.floor(ROWS / 3))})) || md5('ip2' || g % ${Math.max(1, Math.floor(ROWS / 3))}),
         'k1:' || md5('dev' || (g % ${Math.max(1, Math.floor(ROWS / 4))})) || md5('dev2' || g % ${Math.max(1, Math.floor(ROWS / 4))}),
         CASE WHEN g % 3 = 0 THEN NULL ELSE (ARRAY['DE','RU','GB','NG'])[1 + g % 4] END,
         1 + (g % 7) / 3,
         DATE '2026-09-01' + ((g - 1) * 90::bigint / ${ROWS})::int
  FROM generate_series(1, ${ROWS}) g`);
await db.query("ANALYZE user_logins");
const generated = (performance.now() - started) / 1000;

function once(args: string[]): number {
  const t0 = performance.now();
  const result = spawnSync(BIN, ["report", "--json", "--database-url", db.url, ...args], {
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(result.stderr);
  if (result.stderr !== "") throw new Error(`the report did not use its rollups: ${result.stderr}`);
  return (performance.now() - t0) / 1000;
}
const time = (args: string[]) => [1, 2, 3].map(() => once(args));
const seconds = (list: number[]) => list.map((s) => s.toFixed(2)).join(", ");
const rebuild = (() => {
  const t0 = performance.now();
  const result = spawnSync(BIN, ["report", "--rebuild", "--database-url", db.url], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(result.stderr);
  return (performance.now() - t0) / 1000;
})();
const whole = time([]);
const wholeK5 = time(["--min-group", "5"]);
const oneDay = time(["--since", "2026-11-29"]);
const week = time(["--since", "2026-11-23"]);
const perDay = Math.floor(ROWS / 90);
await db.query(`WITH r AS (SELECT 'u-' || (g % ${Math.max(1, Math.floor(ROWS / 5))}) AS user_id, 'ios' AS device_type,
    'k1:' || md5('ip' || g) || md5('new-ip' || g) AS masked_ip, 'k1:' || md5('dev' || g) || md5('new-dev' || g) AS masked_device_id,
    'DE' AS locale, 3 AS app_version, DATE '2026-11-30' AS create_date FROM generate_series(1, ${perDay}) g),
  f AS (INSERT INTO securelog_report_feed SELECT * FROM r) INSERT INTO user_logins SELECT * FROM r`);
const folding = once([]);
const after = time([]);
const newDay = time(["--since", "2026-11-30"]);
process.stdout.write(
  `${ROWS.toLocaleString("en")} rows (generated in ${generated.toFixed(0)} s)\n` +
    `  report --rebuild: ${rebuild.toFixed(1)} s\n` +
    `  whole report: ${seconds(whole)} s\n` +
    `  whole report --min-group 5: ${seconds(wholeK5)} s\n` +
    `  --since 2026-11-29 (one day): ${seconds(oneDay)} s\n` +
    `  --since 2026-11-23 (a week): ${seconds(week)} s\n` +
    `  a new day of ${perDay.toLocaleString("en")} rows loaded: the report that folds it ${folding.toFixed(2)} s, then ${seconds(after)} s; that day alone ${seconds(newDay)} s\n`,
);
// REPORT_SCALE_KEEP=1 keeps the database for a closer look (EXPLAIN ANALYZE); its URL is printed.
if (process.env.REPORT_SCALE_KEEP === "1") process.stdout.write(`  kept: ${db.url}\n`);
else await db.drop();
