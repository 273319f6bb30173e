import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { generateKeyText } from "../../src/transform/mask-key.ts";
import { generateEvents } from "../fixtures/sample-events.ts";
import { oneLineError, runCli } from "../helpers/cli.ts";
import { useServices } from "../helpers/services.ts";

describe("settings from a dotenv file", () => {
  const services = useServices();
  const key = generateKeyText();

  /** A fresh working directory holding these files. */
  function directoryWith(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), "securelog-env-"));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
  }

  it("reads .env from the working directory: a drain with nothing else set; the start line names the file, never a value", async () => {
    const queueUrl = await services.sqs.createQueue("env-file");
    await services.sqs.send(
      queueUrl,
      generateEvents(30, { seed: 5 }).map((e) => e.body),
    );
    const cwd = directoryWith({
      ".env": `# LocalStack-style settings\nSQS_QUEUE_URL=${queueUrl}\nDATABASE_URL="${services.db.url}"\nSECURELOG_KEY=${key}\n`,
    });
    const result = await runCli(["run", "--until-empty"], {}, { cwd });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /received\s+30\b/);
    assert.match(result.stderr, /"envFile":".env"/);
    assert.ok(!`${result.stdout}${result.stderr}`.includes(key), "the key is never echoed");
  });

  it("flag > environment > env file > default; --no-env-file skips .env; --env-file names another", async () => {
    const db = services.db.url;
    const queueUrl = await services.sqs.createQueue("env-precedence");
    const cwd = directoryWith({
      ".env": `SECURELOG_BATCH_SIZE=not-a-number\nSQS_QUEUE_URL=${queueUrl}\nDATABASE_URL=${db}\n`,
      "good.env": `SQS_QUEUE_URL=${queueUrl}\nDATABASE_URL=${db}\nSECURELOG_BATCH_SIZE=50\n`,
    });
    const drain = ["run", "--until-empty"];
    // The file is read: its bad value is named as coming from the variable.
    oneLineError(await runCli(drain, { SECURELOG_KEY: key }, { cwd }), 2, /SECURELOG_BATCH_SIZE/);
    // The environment wins over the file, and a flag over both.
    const envWins = await runCli(drain, { SECURELOG_KEY: key, SECURELOG_BATCH_SIZE: "10" }, { cwd });
    assert.equal(envWins.code, 0, envWins.stderr);
    const flagWins = await runCli(
      [...drain, "--batch-size", "10"],
      { SECURELOG_KEY: key, SECURELOG_BATCH_SIZE: "also-bad" },
      { cwd },
    );
    assert.equal(flagWins.code, 0, flagWins.stderr);
    const skipped = await runCli(
      [...drain, "--no-env-file", "--queue-url", queueUrl, "--database-url", db],
      { SECURELOG_KEY: key },
      { cwd },
    );
    assert.equal(skipped.code, 0, skipped.stderr);
    assert.doesNotMatch(skipped.stderr, /envFile/);
    const other = await runCli([...drain, "--env-file", "good.env"], { SECURELOG_KEY: key }, { cwd });
    assert.equal(other.code, 0, other.stderr);
    assert.match(other.stderr, /"envFile":"good.env"/);
    // A file that is not there: Node itself checks any `--env-file` argument, even one meant for the script, and
    // stops before SecureLog runs (nodejs/node#54232); the one line still names the file.
    const missing = await runCli([...drain, "--env-file", "missing.env"], { SECURELOG_KEY: key }, { cwd });
    assert.notEqual(missing.code, 0);
    assert.equal(missing.stderr.trim().split("\n").length, 1, missing.stderr);
    assert.match(missing.stderr, /missing\.env/);
    // Every command takes it: stats reads its database from the file.
    const stats = await runCli(["stats", "--json", "--env-file", "good.env"], {}, { cwd });
    assert.equal(stats.code, 0, stats.stderr);
  });
});
