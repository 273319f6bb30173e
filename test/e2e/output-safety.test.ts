/**
 * What reaches the operator: producer text never drives their terminal, a closed pipe is not a crash, and
 * every error names the right thing.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { createMasker } from "../../src/transform/mask.ts";
import { generateKeyText, keyRing, parseKey } from "../../src/transform/mask-key.ts";
import { oneLineError, runCli } from "../helpers/cli.ts";
import { loginEvent } from "../helpers/memory.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres.ts";
import { startTestSqs, type TestSqs } from "../helpers/sqs.ts";

const KEY = generateKeyText();
const ESC = "\u001b";
const event = loginEvent;

describe("output safety", () => {
  let db: TestDatabase;
  let sqs: TestSqs;
  let failed = false;
  before(async () => {
    db = await createTestDatabase();
    sqs = await startTestSqs();
    const queueUrl = await sqs.createQueue("output-safety");
    await sqs.send(queueUrl, [
      event({ device_type: `${ESC}[2Jwiped`, locale: "\u202eUR" }),
      event({ device_id: `dev${ESC}[31mred\nline` }),
      ...Array.from({ length: 3000 }, () => event({})),
    ]);
    const run = await runCli(
      ["run", "--until-empty", "--mask", "encrypt", "--queue-url", queueUrl, "--database-url", db.url],
      { SECURELOG_KEY: KEY },
    );
    assert.equal(run.code, 0, run.stderr);
  });
  after(async () => {
    await sqs.stop();
    await db.drop(failed);
  });
  const track = (fn: () => Promise<void>) => async () => {
    try {
      await fn();
    } catch (error) {
      failed = true;
      throw error;
    }
  };

  it(
    "stats shows control characters and bidi overrides as escapes; --json keeps them exact",
    track(async () => {
      const human = await runCli(["stats", "--database-url", db.url]);
      assert.equal(human.code, 0, human.stderr);
      assert.ok(
        !human.stdout.includes(ESC) && !human.stdout.includes("\u202e"),
        "raw control text reached stdout",
      );
      assert.match(human.stdout, /\\u001b\[2Jwiped/);
      assert.match(human.stdout, /\\u202eUR/);
      const json = await runCli(["stats", "--json", "--database-url", db.url]);
      const types = JSON.parse(json.stdout).deviceTypes.map((c: { value: string }) => c.value);
      assert.ok(types.includes(`${ESC}[2Jwiped`));
    }),
  );

  it(
    "reveal prints a device id holding escapes and a new line as one escaped line",
    track(async () => {
      const masker = createMasker({ mode: "encrypt", keys: keyRing(parseKey(KEY, "key"), []) });
      const masked = masker.mask("device_id", `dev${ESC}[31mred\nline`);
      const result = await runCli(["reveal", "--reason", "test", masked, "--database-url", db.url], {
        SECURELOG_KEY: KEY,
      });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, "dev\\u001b[31mred\\u000aline\n");
    }),
  );

  it(
    "a reader that stops early (| head -1) ends the command quietly, not with an EPIPE stack trace",
    track(async () => {
      const bin = fileURLToPath(new URL("../../bin/securelog.mjs", import.meta.url));
      const masked = createMasker({ mode: "encrypt", keys: keyRing(parseKey(KEY, "key"), []) }).mask(
        "ip",
        "192.0.2.10",
      );
      const lines = Array.from({ length: 20_000 }, (_, i) => `${i} ${masked}`).join("\n");
      const result = spawnSync(
        "bash",
        [
          "-c",
          `"${bin}" reveal --reason test - --database-url "${db.url}" | head -1; echo "status \${PIPESTATUS[0]}" >&2`,
        ],
        {
          input: lines,
          env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", SECURELOG_KEY: KEY },
          encoding: "utf8",
        },
      );
      assert.equal(result.stdout, "0 192.0.2.10\n");
      assert.equal(result.stderr.trim(), "status 0", result.stderr);
    }),
  );

  it(
    "replay into a queue that does not exist names that queue, not the dead-letter queue",
    track(async () => {
      const dlq = await sqs.createQueue("output-safety-dlq");
      const missing = `${sqs.endpoint}/000000000000/no-such-main-queue`;
      const result = await runCli(["replay", "--from-dlq", dlq, "--queue-url", missing], {
        SECURELOG_KEY: KEY,
      });
      oneLineError(result, 1, /the queue .*no-such-main-queue does not exist/);
      assert.ok(!result.stderr.includes("output-safety-dlq"));
    }),
  );
});
