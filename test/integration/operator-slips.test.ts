/**
 * Operator slips that used to lose or misplace data: a schema named like the user, tables that look right but
 * refuse every row or let redeliveries load twice, a prune that wipes the ledger, and a least-privilege user.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { createMasker } from "../../src/transform/mask.ts";
import { generateKeyText, keyRing, parseKey } from "../../src/transform/mask-key.ts";
import { generateEvents } from "../fixtures/sample-events.ts";
import { oneLineError, runCli } from "../helpers/cli.ts";
import {
  createTestDatabase,
  createTestRole,
  itWithDatabase,
  type TestDatabase,
} from "../helpers/postgres.ts";
import { useTestSqs } from "../helpers/sqs.ts";

const KEY = { SECURELOG_KEY: generateKeyText() };
const DRAIN = ["run", "--until-empty", "--wait-time", "1"];

const testSqs = useTestSqs();

async function queueWith(count: number, seed: number): Promise<string> {
  const queueUrl = await testSqs().createQueue(`slips-${randomBytes(4).toString("hex")}`);
  await testSqs().send(
    queueUrl,
    generateEvents(count, { seed, badRatio: 0 }).map((e) => e.body),
  );
  return queueUrl;
}

const count = async (db: TestDatabase, table: string) =>
  Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0]?.n);

describe("the schema: named, checked and never guessed", () => {
  itWithDatabase(
    "with a schema named like the user first on the search_path, run still loads into public",
    async (db) => {
      const first = await runCli(
        [...DRAIN, "--queue-url", await queueWith(5, 1), "--database-url", db.url],
        KEY,
      );
      assert.equal(first.code, 0, first.stderr);
      await db.query("CREATE SCHEMA postgres"); // "$user" leads the default search_path; we connect as postgres
      const second = await runCli(
        [...DRAIN, "--queue-url", await queueWith(7, 2), "--database-url", db.url],
        KEY,
      );
      assert.equal(second.code, 0, second.stderr);
      assert.match(second.stderr, /public\.user_logins/, "the start line names schema and table");
      assert.equal(await count(db, "public.user_logins"), 12);
      const stray = await db.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'postgres'",
      );
      assert.deepEqual(stray, []);
    },
  );

  itWithDatabase(
    "--schema loads into that schema; a schema that does not exist is an error, not a new schema",
    async (db) => {
      const queueUrl = await queueWith(4, 3);
      const args = [...DRAIN, "--queue-url", queueUrl, "--database-url", db.url, "--schema", "analytics"];
      oneLineError(await runCli(args, KEY), 2, /there is no schema "analytics".*CREATE SCHEMA analytics/);
      assert.equal(await testSqs().countReceivable(queueUrl), 4, "nothing was consumed");
      await db.query("CREATE SCHEMA analytics");
      const run = await runCli(args, KEY);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(await count(db, "analytics.user_logins"), 4);
      const stats = await runCli(["stats", "--json", "--database-url", db.url, "--schema", "analytics"]);
      assert.equal(stats.code, 0, stats.stderr);
      assert.equal(JSON.parse(stats.stdout).rows, 4);
      oneLineError(
        await runCli(["stats", "--database-url", db.url, "--schema", "Bad-Name"]),
        2,
        /--schema must be/,
      );
    },
  );
});

describe("the contract check covers everything the promises rely on", () => {
  const cases: [string, string, RegExp][] = [
    [
      "an extra NOT NULL column without a default on user_logins",
      "ALTER TABLE user_logins ADD COLUMN tenant text NOT NULL DEFAULT 'a'; ALTER TABLE user_logins ALTER COLUMN tenant DROP DEFAULT",
      /user_logins\.tenant is NOT NULL without a default/,
    ],
    [
      "a NOT NULL locale (a third of events have none)",
      "ALTER TABLE user_logins ALTER COLUMN locale SET NOT NULL",
      /user_logins\.locale is NOT NULL, but SecureLog stores NULL there/,
    ],
    [
      "a ledger without its primary key",
      "ALTER TABLE securelog_processed DROP CONSTRAINT securelog_processed_pkey",
      /securelog_processed has no primary key or unique index on message_id alone: a redelivered message would load twice/,
    ],
    [
      "a rejects table without its key",
      "ALTER TABLE user_logins_rejects DROP CONSTRAINT user_logins_rejects_pkey",
      /user_logins_rejects has no primary key or unique index on message_id/,
    ],
  ];
  for (const [what, ddl, message] of cases) {
    itWithDatabase(`refuses ${what}: exit 2 naming it, nothing consumed`, async (db) => {
      const first = await runCli(
        [...DRAIN, "--queue-url", await queueWith(1, 4), "--database-url", db.url],
        KEY,
      );
      assert.equal(first.code, 0, first.stderr);
      await db.query(ddl);
      const queueUrl = await queueWith(3, 5);
      oneLineError(
        await runCli([...DRAIN, "--queue-url", queueUrl, "--database-url", db.url], KEY),
        2,
        message,
      );
      assert.equal(await testSqs().countReceivable(queueUrl), 3);
    });
  }
  itWithDatabase("accepts extra columns that are nullable or have a default", async (db) => {
    const first = await runCli(
      [...DRAIN, "--queue-url", await queueWith(1, 6), "--database-url", db.url],
      KEY,
    );
    assert.equal(first.code, 0, first.stderr);
    await db.query(
      "ALTER TABLE user_logins ADD COLUMN note text, ADD COLUMN loaded_at timestamptz NOT NULL DEFAULT now()",
    );
    const run = await runCli([...DRAIN, "--queue-url", await queueWith(2, 7), "--database-url", db.url], KEY);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(await count(db, "user_logins"), 3);
  });
});

describe("prune never wipes what still protects against a redelivery", () => {
  itWithDatabase(
    "refuses empty, zero, fractional and too-young ages; prunes only past the queue's retention",
    async (db) => {
      const queueUrl = await queueWith(3, 8);
      const run = await runCli([...DRAIN, "--queue-url", queueUrl, "--database-url", db.url], KEY);
      assert.equal(run.code, 0, run.stderr);
      await db.query("UPDATE securelog_processed SET processed_at = now() - interval '10 days'");
      const prune = (...args: string[]) =>
        runCli(["prune", "--queue-url", queueUrl, "--database-url", db.url, ...args]);
      for (const value of ["", " ", "1e-9", "0.5", "-1"]) {
        oneLineError(
          await prune(`--older-than=${value}`),
          2,
          /--older-than must be a whole number from 0 to 36500/,
        );
      }
      oneLineError(await prune("--older-than", "-1"), 2, /argument is ambiguous/);
      // fauxqs keeps messages 4 days by default, as SQS does.
      for (const value of ["0", "3"]) {
        oneLineError(
          await prune("--older-than", value),
          2,
          /the queue keeps messages for 4 days.*--older-than 4 or more/,
        );
      }
      assert.equal(await count(db, "securelog_processed"), 3, "nothing was pruned");
      const kept = await prune("--older-than", "11");
      assert.equal(kept.code, 0, kept.stderr);
      assert.match(kept.stdout, /pruned 0 ledger entries older than 11 days/);
      const pruned = await prune();
      assert.equal(pruned.code, 0, pruned.stderr);
      assert.match(pruned.stdout, /pruned 3 ledger entries older than 4 days/);
      const unknownQueue = await runCli([
        "prune",
        "--queue-url",
        `${queueUrl}-gone`,
        "--database-url",
        db.url,
      ]);
      oneLineError(unknownQueue, 2, /cannot read the queue's retention period.*--force/);
    },
  );
});

describe("least privilege: INSERT and SELECT suffice once the tables exist", () => {
  it("run and stats work for a user without CREATE; creating and erasing say what is missing", async () => {
    const db = await createTestDatabase();
    let passed = false;
    const testRole = await createTestRole(db.url, "securelog_limited");
    const role = testRole.name;
    const limited = new URL(testRole.url);
    try {
      // Nothing exists yet: this user may not create the tables, and says so.
      oneLineError(
        await runCli([...DRAIN, "--queue-url", await queueWith(1, 9), "--database-url", limited.href], KEY),
        2,
        /cannot create public\.user_logins.*may not create tables in schema public/,
      );
      oneLineError(
        await runCli(["stats", "--database-url", limited.href]),
        2,
        /user_logins and .*user_logins_rejects do not exist/,
      );
      // An owner creates them once; then INSERT and SELECT are enough.
      const owner = await runCli(
        [...DRAIN, "--queue-url", await queueWith(1, 10), "--database-url", db.url],
        KEY,
      );
      assert.equal(owner.code, 0, owner.stderr);
      await db.query(
        `GRANT SELECT, INSERT ON user_logins, user_logins_rejects, securelog_processed TO ${role}; GRANT SELECT ON securelog_erasures, securelog_config TO ${role}; GRANT INSERT ON securelog_report_feed TO ${role}`,
      );
      const run = await runCli(
        [...DRAIN, "--queue-url", await queueWith(6, 11), "--database-url", limited.href],
        KEY,
      );
      assert.equal(run.code, 0, run.stderr);
      assert.equal(await count(db, "user_logins"), 7);
      const stats = await runCli(["stats", "--json", "--database-url", limited.href]);
      assert.equal(stats.code, 0, stats.stderr);
      assert.equal(JSON.parse(stats.stdout).rows, 7);
      const forget = await runCli(
        ["forget", "--reason", "ticket", "--ip", "10.1.2.3", "--database-url", limited.href],
        KEY,
      );
      oneLineError(forget, 2, /cannot create public\.securelog_audit.*may not create tables/);
      await db.query(
        "CREATE TABLE IF NOT EXISTS securelog_audit(id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), action varchar(32) NOT NULL, masked_value text, rows_affected integer, reason text NOT NULL, operator text)",
      );
      const forgetAgain = await runCli(
        ["forget", "--reason", "ticket", "--ip", "10.1.2.3", "--database-url", limited.href],
        KEY,
      );
      oneLineError(
        forgetAgain,
        1,
        /PostgreSQL at .* refused: permission denied for table (user_logins|securelog_audit|securelog_erasures)/,
      );
      // reveal records every use before it shows anything: without INSERT on the audit table it says so.
      const masked = createMasker({
        mode: "encrypt",
        keys: keyRing(parseKey(KEY.SECURELOG_KEY, "key"), []),
      }).mask("ip", "10.1.2.3");
      oneLineError(
        await runCli(["reveal", "--reason", "t", masked, "--database-url", limited.href], KEY),
        1,
        /refused: permission denied for table securelog_audit/,
      );
      passed = true;
    } finally {
      await testRole.drop();
      await db.drop(!passed);
    }
  });
});

/**
 * Exactly the grants the README's "Real AWS" section documents, command by command, and nothing more: a role given
 * them runs each command the paragraph names. Keep this in step with the README (readme.test.ts checks the text).
 */
const DOCUMENTED_GRANTS = {
  run: [
    "GRANT SELECT, INSERT ON user_logins, user_logins_rejects, securelog_processed TO {role}",
    "GRANT SELECT, INSERT ON securelog_erasures, securelog_config TO {role}",
    "GRANT INSERT ON securelog_report_feed TO {role}",
  ],
  reveal: [
    "GRANT INSERT ON securelog_audit TO {role}",
    "GRANT USAGE ON SEQUENCE securelog_audit_id_seq TO {role}",
  ],
  forget: [
    "GRANT DELETE ON user_logins, user_logins_rejects TO {role}",
    "GRANT TRUNCATE ON securelog_report_feed, securelog_report_pairs, securelog_report_totals, securelog_report_daily TO {role}",
    "GRANT UPDATE ON securelog_report_state TO {role}",
  ],
  report: [
    "GRANT SELECT, DELETE ON securelog_report_feed TO {role}",
    "GRANT SELECT ON securelog_report_state TO {role}",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON securelog_report_pairs, securelog_report_totals, securelog_report_daily TO {role}",
  ],
} as const;

describe("least privilege: exactly the documented grants", () => {
  it("the README names every privilege and object those grants hold", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8").replace(/\s+/g, " ");
    for (const grant of Object.values(DOCUMENTED_GRANTS).flat()) {
      const [, privileges = "", objects = ""] = /^GRANT (.+) ON (?:SEQUENCE )?(.+) TO/.exec(grant) ?? [];
      for (const privilege of privileges.split(", "))
        assert.ok(readme.includes(`\`${privilege}\``), privilege);
      for (const object of objects.split(", ")) assert.ok(readme.includes(`\`${object}\``), object);
    }
  });

  it("a role with the grants the README lists runs run, stats, report (folding), reveal and forget", async () => {
    const db = await createTestDatabase();
    let passed = false;
    const testRole = await createTestRole(db.url, "securelog_documented");
    const role = testRole.name;
    const limited = new URL(testRole.url);
    try {
      // The owner creates every table once: a run, and a forget (audit and register).
      const owner = await runCli(
        [...DRAIN, "--queue-url", await queueWith(2, 12), "--database-url", db.url, "--mask", "encrypt"],
        KEY,
      );
      assert.equal(owner.code, 0, owner.stderr);
      const setup = await runCli(
        ["forget", "--reason", "ticket", "--ip", "10.9.9.9", "--database-url", db.url],
        KEY,
      );
      assert.equal(setup.code, 0, setup.stderr);
      for (const grant of Object.values(DOCUMENTED_GRANTS).flat())
        await db.query(grant.replaceAll("{role}", role));

      const run = await runCli(
        [
          ...DRAIN,
          "--queue-url",
          await queueWith(5, 13),
          "--database-url",
          limited.href,
          "--mask",
          "encrypt",
        ],
        KEY,
      );
      assert.equal(run.code, 0, run.stderr);
      const stats = await runCli(["stats", "--json", "--database-url", limited.href]);
      assert.equal(stats.code, 0, stats.stderr);
      assert.equal(JSON.parse(stats.stdout).rows, 7);
      const [stored] = await db.query<{ masked_ip: string }>("SELECT masked_ip FROM user_logins LIMIT 1");
      const reveal = await runCli(
        ["reveal", "--reason", "ticket 7", stored?.masked_ip ?? "", "--database-url", limited.href],
        KEY,
      );
      assert.equal(reveal.code, 0, reveal.stderr);
      const report = await runCli(["report", "--json", "--database-url", limited.href]);
      assert.equal(report.code, 0, report.stderr);
      assert.equal(report.stderr, "", "the report folded its rollups with these grants");
      // An address that has rows, so that forget also clears the report's rollups.
      const forget = await runCli(
        ["forget", "--ip", reveal.stdout.trim(), "--reason", "ticket 8", "--database-url", limited.href],
        KEY,
      );
      assert.equal(forget.code, 0, forget.stderr);
      assert.match(forget.stdout, /[1-9]\d* rows?/);
      passed = true;
    } finally {
      await testRole.drop();
      await db.drop(!passed);
    }
  });
});
