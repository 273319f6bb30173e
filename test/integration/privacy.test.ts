import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { erasureDigest } from "../../src/transform/erasure.ts";
import { generateKeyText, parseKey } from "../../src/transform/mask-key.ts";
import { generateEvents } from "../fixtures/sample-events.ts";
import { runCli } from "../helpers/cli.ts";
import type { TestDatabase } from "../helpers/postgres.ts";
import { useServices } from "../helpers/services.ts";

const KNOWN_IP = "203.0.113.7";
const KNOWN_DEVICE = "987-65-4321";
const known = (fields: Record<string, unknown>) =>
  JSON.stringify({
    user_id: `u-${Math.random().toString(16).slice(2)}`,
    app_version: "2.3.0",
    device_type: "ios",
    ip: KNOWN_IP,
    locale: "DE",
    device_id: KNOWN_DEVICE,
    ...fields,
  });
/** Two rows and one rejection for KNOWN_IP (written two ways), three rows for KNOWN_DEVICE. */
const KNOWN_BODIES = [
  known({}),
  known({ ip: `::ffff:${KNOWN_IP}`, device_id: "111-11-1111" }),
  known({ locale: 7 }),
  known({ ip: "198.51.100.1" }),
  known({ ip: "198.51.100.2", device_type: "android" }),
];

async function count(db: TestDatabase, sql: string): Promise<number> {
  return Number((await db.query<{ n: string }>(sql))[0]?.n);
}

for (const mode of ["hmac", "encrypt"] as const) {
  describe(`privacy operations with --mask ${mode}`, () => {
    const services = useServices();
    const keyA = generateKeyText();
    const events = generateEvents(300, { seed: 77, badRatio: 0.05 });
    let db: TestDatabase;

    before(async () => {
      db = services.db;
      const sqs = services.sqs;
      const queueUrl = await sqs.createQueue("login-queue");
      await sqs.send(queueUrl, [...events.map((e) => e.body), ...KNOWN_BODIES]);
      const result = await runCli(
        ["run", "--until-empty", "--mask", mode, "--queue-url", queueUrl, "--database-url", db.url],
        { SECURELOG_KEY: keyA },
      );
      assert.equal(result.code, 0, result.stderr);
    });

    it("forget removes exactly the rows and rejections of one raw ip, and audits it without the raw value", async () => {
      const env = { SECURELOG_KEY: keyA };
      const common = ["--database-url", db.url];
      const total = await count(db, "SELECT count(*) AS n FROM user_logins");
      const totalRejects = await count(db, "SELECT count(*) AS n FROM user_logins_rejects");

      const dry = await runCli(["forget", "--ip", KNOWN_IP, "--dry-run", ...common], env);
      assert.equal(dry.code, 0, dry.stderr);
      const kind = `${mode}:${parseKey(keyA, "key").id}`;
      assert.equal(
        dry.stdout.trim(),
        `dry run: would delete what matches the given ip (keys ${parseKey(keyA, "key").id}): ${kind}: 2 rows, 1 rejections.`,
      );
      assert.equal(await count(db, "SELECT count(*) AS n FROM user_logins"), total);

      const forget = await runCli(
        ["forget", "--ip", `  ${KNOWN_IP} `, "--reason", "GDPR-42", ...common],
        env,
      );
      assert.equal(forget.code, 0, forget.stderr);
      assert.match(
        forget.stdout,
        new RegExp(`^deleted what matches the given ip .*: ${kind}: 2 rows, 1 rejections\\.`),
      );
      assert.equal(await count(db, "SELECT count(*) AS n FROM user_logins"), total - 2);
      assert.equal(await count(db, "SELECT count(*) AS n FROM user_logins_rejects"), totalRejects - 1);

      const device = await runCli(
        ["forget", "--reason", "ticket", "--device-id", KNOWN_DEVICE, ...common],
        env,
      );
      assert.match(device.stdout, new RegExp(`${kind}: 2 rows, 0 rejections`)); // one went with the ip
      assert.equal(await count(db, "SELECT count(*) AS n FROM user_logins"), total - 4);

      const audit = await db.query<{
        action: string;
        rows_affected: number;
        reason: string;
        masked_value: string;
      }>("SELECT action, rows_affected, reason, masked_value FROM securelog_audit ORDER BY id");
      assert.deepEqual(
        audit.map((a) => [a.action, a.rows_affected, a.reason]),
        [
          ["forget_ip", 3, "GDPR-42"],
          ["forget_device_id", 2, "ticket"],
        ],
      );
      // The audit keeps a keyed one-way digest, never a mask (an enc: mask would open to the erased value).
      for (const a of audit) assert.match(a.masked_value, /^[0-9a-f]{8}:[0-9a-f]{64}$/);
      const everything = `${await db.dump()}${dry.stdout}${forget.stdout}${forget.stderr}${device.stdout}`;
      assert.ok(
        !everything.includes(KNOWN_IP) && !everything.includes(KNOWN_DEVICE),
        "no raw value stored or printed",
      );
    });

    it(
      mode === "encrypt"
        ? "reveal recovers raw values for key holders, audits each, and refuses bad input"
        : "reveal refuses one-way masks",
      async () => {
        const [row] = await db.query<{ masked_ip: string; masked_device_id: string; user_id: string }>(
          "SELECT masked_ip, masked_device_id, user_id FROM user_logins ORDER BY user_id LIMIT 1",
        );
        assert.ok(row !== undefined);
        const env = { SECURELOG_KEY: keyA };
        const common = ["--database-url", db.url];
        if (mode === "hmac") {
          const result = await runCli(["reveal", "--reason", "t", row.masked_ip, ...common], env);
          assert.equal(result.code, 1);
          assert.match(result.stderr, /masked one-way .* cannot be revealed, by design/);
          return;
        }
        const event = events.find((e) => e.expect === "row" && JSON.parse(e.body).user_id === row.user_id);
        assert.ok(event !== undefined);
        const ok = await runCli(
          ["reveal", "--reason", "INC-7", row.masked_ip, row.masked_device_id, ...common],
          env,
        );
        assert.equal(ok.code, 0, ok.stderr);
        assert.deepEqual(ok.stdout.trim().split("\n"), [event.ip, event.deviceId]);
        const audit = await db.query<{ masked_value: string; reason: string }>(
          "SELECT masked_value, reason FROM securelog_audit WHERE action = 'reveal' ORDER BY id",
        );
        // What was revealed, as a keyed one-way digest: never the enc: value, which would open to it.
        const key = parseKey(keyA, "key");
        assert.deepEqual(
          audit.map((a) => [a.masked_value, a.reason]),
          [
            [erasureDigest(key, "ip", event.ip ?? ""), "INC-7"],
            [erasureDigest(key, "device_id", event.deviceId ?? ""), "INC-7"],
          ],
        );

        const noReason = await runCli(["reveal", row.masked_ip, ...common], env);
        assert.equal(noReason.code, 2);
        assert.match(noReason.stderr, /needs --reason/);
        const wrongKey = await runCli(["reveal", "--reason", "t", row.masked_ip, ...common], {
          SECURELOG_KEY: generateKeyText(),
        });
        assert.equal(wrongKey.code, 1);
        assert.match(wrongKey.stderr, /which is not loaded/);
        const tampered = `${row.masked_ip.slice(0, -3)}${row.masked_ip.endsWith("AAA") ? "BBB" : "AAA"}`;
        const bad = await runCli(["reveal", "--reason", "t", tampered, ...common], env);
        assert.equal(bad.code, 1);
        assert.match(bad.stderr, /altered or the key is wrong/);
        for (const result of [wrongKey, bad]) assert.ok(!result.stderr.includes(event.ip ?? "??"));

        const piped = await runCli(["reveal", "--reason", "stdin test", "-", ...common], env, {
          input: `user ${row.user_id} came from ${row.masked_ip} on ${row.masked_device_id}\n`,
        });
        assert.equal(piped.code, 0);
        assert.equal(piped.stdout, `user ${row.user_id} came from ${event.ip} on ${event.deviceId}\n`);
      },
    );

    it(
      mode === "encrypt"
        ? "rekey moves every value to the new key; reveal and forget keep working"
        : "rekey explains that one-way masks cannot be re-masked",
      async () => {
        const keyB = generateKeyText();
        const rotated = { SECURELOG_KEY: keyB, SECURELOG_PREVIOUS_KEYS: keyA };
        const common = ["--database-url", db.url];
        const result = await runCli(["rekey", "--batch-size", "50", ...common], rotated);
        if (mode === "hmac") {
          assert.equal(result.code, 1);
          assert.match(result.stdout, /re-masked 0 distinct reversible values/);
          assert.match(
            result.stderr,
            new RegExp(
              `not re-masked: \\d+ values hold one-way hmac masks under key ${parseKey(keyA, "key").id}: their raw values are gone`,
            ),
          );
          return;
        }
        assert.equal(result.code, 0, result.stderr);
        const [sample] = await db.query<{ masked_ip: string; user_id: string }>(
          "SELECT masked_ip, user_id FROM user_logins ORDER BY user_id LIMIT 1",
        );
        const newPrefix = `enc:${parseKey(keyB, "test").id}:%`;
        const stale = await db.query<{ n: string }>(
          "SELECT count(*) AS n FROM user_logins WHERE masked_ip NOT LIKE $1 OR masked_device_id NOT LIKE $1",
          [newPrefix],
        );
        assert.equal(Number(stale[0]?.n), 0, "every row is now masked under the new key");
        const staleRejects = await db.query<{ n: string }>(
          `SELECT count(*) AS n FROM user_logins_rejects
         WHERE masked_body->>'device_id' NOT LIKE $1 OR masked_body->>'ip' NOT LIKE $1`,
          [newPrefix],
        );
        assert.equal(Number(staleRejects[0]?.n), 0, "rejections too");
        // The report's rollups held the old masks: cleared with the rows, stale until a rebuild.
        const rollups = await db.query<{ valid: boolean; old: string }>(
          `SELECT (SELECT valid FROM securelog_report_state) AS valid,
             (SELECT count(*) FROM securelog_report_pairs) + (SELECT count(*) FROM securelog_report_totals)
               + (SELECT count(*) FROM securelog_report_feed) AS old`,
        );
        assert.deepEqual(rollups[0], { valid: false, old: "0" });
        const onlyNew = await runCli(
          ["reveal", "--reason", "after rotation", sample?.masked_ip ?? "", "--database-url", db.url],
          {
            SECURELOG_KEY: keyB,
          },
        );
        assert.equal(onlyNew.code, 0, onlyNew.stderr);
        const event = events.find(
          (e) => e.expect === "row" && JSON.parse(e.body).user_id === sample?.user_id,
        );
        assert.equal(onlyNew.stdout.trim(), event?.ip);
      },
    );
  });
}
