import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { generateKeyText, parseKey } from "../../src/transform/mask-key.ts";
import { generateEvents } from "../fixtures/sample-events.ts";
import { type CliResult, runCli } from "../helpers/cli.ts";
import { loginEvent } from "../helpers/memory.ts";
import { useServices } from "../helpers/services.ts";

/** The whole of stdout is one JSON document (what docs/json-output.md promises), parsed. */
function document(result: CliResult): Record<string, unknown> {
  const lines = result.stdout.trim().split("\n");
  assert.equal(lines.length, 1, `one document on one line:\n${result.stdout}`);
  return JSON.parse(lines[0] ?? "") as Record<string, unknown>;
}

/** Exactly these keys, each of this JSON type. */
function shape(value: Record<string, unknown>, types: Record<string, string>): void {
  assert.deepEqual(Object.keys(value).sort(), Object.keys(types).sort());
  for (const [key, type] of Object.entries(types)) {
    const actual = Array.isArray(value[key]) ? "array" : value[key] === null ? "null" : typeof value[key];
    assert.equal(actual, type, key);
  }
}

describe("--json: every command's result as one JSON document, same exit code", () => {
  const services = useServices();
  const key = generateKeyText();
  const env = { SECURELOG_KEY: key };

  it("run --until-empty, run --dry-run, keygen, prune and replay", async () => {
    const { db, sqs } = services;
    const queueUrl = await sqs.createQueue("json-run");
    const events = generateEvents(40, { seed: 17, badRatio: 0.2 });
    await sqs.send(
      queueUrl,
      events.map((e) => e.body),
    );
    const where = ["--queue-url", queueUrl, "--database-url", db.url];
    const dry = await runCli(["run", "--dry-run", "--json", ...where], env);
    assert.equal(dry.code, 0, dry.stderr);
    const report = document(dry);
    shape(report, {
      queueUrl: "string",
      read: "number",
      wouldLoad: "number",
      wouldReject: "number",
      rejectedByReason: "object",
      moreOnQueue: "boolean",
      sampleRows: "array",
    });
    assert.equal(report.read, 40);

    const run = await runCli(["run", "--until-empty", "--mask", "encrypt", "--json", ...where], env);
    assert.equal(run.code, 0, run.stderr);
    const summary = document(run);
    shape(summary, {
      received: "number",
      loaded: "number",
      rejected: "number",
      rejectedByReason: "object",
      duplicates: "number",
      deleted: "number",
      deleteFailed: "number",
      redelivered: "number",
      retries: "number",
      seconds: "number",
      messagesPerSecond: "number",
      peakRssMb: "number",
    });
    const good = events.filter((e) => e.expect === "row").length;
    assert.deepEqual([summary.received, summary.loaded, summary.rejected], [40, good, 40 - good]);
    assert.equal(
      Object.values(summary.rejectedByReason as Record<string, number>).reduce((a, b) => a + b),
      40 - good,
    );

    const keygen = await runCli(["keygen", "--json"]);
    const generated = document(keygen);
    shape(generated, { keys: "array" });
    assert.doesNotThrow(() => parseKey(String((generated.keys as string[])[0]), "keygen --json"));

    const prune = await runCli(["prune", "--json", ...where]);
    assert.equal(prune.code, 0, prune.stderr);
    shape(document(prune), { pruned: "number", olderThanDays: "number" });

    const dlq = await sqs.createQueue("json-dlq");
    await sqs.send(dlq, [loginEvent({})]);
    const replay = await runCli(["replay", "--json", "--from-dlq", dlq, "--queue-url", queueUrl], env);
    assert.equal(replay.code, 0, replay.stderr);
    const moved = document(replay);
    shape(moved, { from: "string", to: "string", moved: "number", failed: "number" });
    assert.equal(moved.moved, 1);
  });

  it("forget (dry run and real), forget --reapply, reveal and rekey", async () => {
    const { db } = services;
    const database = ["--database-url", db.url];
    const dry = await runCli(["forget", "--ip", "1.2.3.4", "--dry-run", "--json", ...database], env);
    assert.equal(dry.code, 0, dry.stderr);
    const counted = document(dry);
    shape(counted, {
      field: "string",
      dryRun: "boolean",
      keys: "array",
      matches: "object",
      unloaded: "array",
      complete: "boolean",
    });
    const forget = await runCli(["forget", "--ip", "1.2.3.4", "--reason", "t", "--json", ...database], env);
    assert.equal(forget.code, 0, forget.stderr);
    assert.equal(document(forget).dryRun, false);

    const reapply = await runCli(["forget", "--reapply", "--json", ...database], env);
    assert.equal(reapply.code, 0, reapply.stderr);
    shape(document(reapply), {
      copied: "number",
      matches: "object",
      unopenable: "number",
      unkeyed: "number",
      complete: "boolean",
    });

    const [row] = await db.query<{ masked_ip: string }>(
      "SELECT masked_ip FROM user_logins WHERE masked_ip LIKE 'enc:%' LIMIT 1",
    );
    const masked = String(row?.masked_ip);
    const reveal = await runCli(["reveal", "--reason", "t", "--json", masked, ...database], env);
    assert.equal(reveal.code, 0, reveal.stderr);
    const opened = document(reveal);
    shape(opened, { values: "array" });
    const [value] = opened.values as { masked: string; value: string }[];
    assert.equal(value?.masked, masked);
    assert.match(String(value?.value), /^[0-9a-f.:]+$/);

    const rotated = { SECURELOG_KEY: generateKeyText(), SECURELOG_PREVIOUS_KEYS: key };
    const rekey = await runCli(["rekey", "--json", ...database], rotated);
    const moved = document(rekey);
    shape(moved, {
      key: "string",
      values: "number",
      rows: "number",
      retiredKeys: "array",
      notRemasked: "array",
    });
    assert.ok((moved.values as number) > 0);
  });
});
