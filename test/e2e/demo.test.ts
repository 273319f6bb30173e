import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { generateEvents } from "../fixtures/sample-events.ts";
import { runCli, startCli, until } from "../helpers/cli.ts";

describe("securelog demo (what `npm start` runs)", () => {
  it("runs the bundled sample through embedded SQS and PostgreSQL and prints masked rows only", async () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    assert.match(pkg.scripts.start, /securelog\.mjs demo$/);
    const sample = readFileSync(new URL("../../samples/login-events.jsonl", import.meta.url), "utf8")
      .trim()
      .split("\n");
    // The bundled file is exactly what the generator makes, so we know its raw values and bad messages.
    const expected = generateEvents(500, { seed: 20_221_212, badRatio: 0.05 });
    assert.deepEqual(
      sample,
      expected.map((e) => e.body),
    );
    const bad = expected.filter((e) => e.expect !== "row").length;

    const dir = mkdtempSync(join(tmpdir(), "securelog-demo-"));
    try {
      const result = await runCli(["demo", "--data-dir", dir, "--fresh"]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /received\s+500/);
      assert.match(result.stdout, new RegExp(`loaded\\s+${500 - bad}`));
      assert.match(result.stdout, new RegExp(`rejected\\s+${bad}`));
      assert.match(result.stdout, /deleted from queue\s+500/);
      assert.match(result.stdout, /masked_ip/);
      assert.match(result.stdout, /127\.0\.0\.1:\d+/);
      const raw = expected.flatMap((e) => [e.ip, e.deviceId]).filter((v): v is string => v !== undefined);
      assert.deepEqual(
        raw.filter((v) => result.stdout.includes(v) || result.stderr.includes(v)),
        [],
      );
      // A second run keeps the data folder (and the key): the table grows, masks stay comparable.
      const again = await runCli(["demo", "--data-dir", dir]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, new RegExp(`holds ${2 * (500 - bad)} rows`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("--keep keeps the demo's database up: the printed report commands work against it, and Ctrl-C stops it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "securelog-demo-keep-"));
    const demo = startCli(["demo", "--data-dir", dir, "--fresh", "--keep"]);
    try {
      await until(() => demo.output().includes("until you press Ctrl-C"), "the demo's commands", 120_000);
      const command = /npx securelog report (--database-url \S+)/.exec(demo.output());
      assert.ok(command?.[1] !== undefined, demo.output());
      const url = command[1].replace("--database-url ", "");
      const report = await runCli(["report", "--json", "--database-url", url]);
      assert.equal(report.code, 0, report.stderr);
      const document = JSON.parse(report.stdout) as { days: { logins: number }[]; shared_devices: unknown[] };
      assert.ok(document.days.reduce((n, d) => n + d.logins, 0) > 400, "the demo's rows are in the report");
      const html = join(dir, "report.html");
      const page = await runCli(["report", "--html", html, "--database-url", url]);
      assert.equal(page.code, 0, page.stderr);
      assert.match(readFileSync(html, "utf8"), /<canvas|Chart/);
      demo.child.kill("SIGINT");
      const done = await demo.done;
      assert.equal(done.code, 0, done.stderr);
      assert.match(done.stdout, /stopping the embedded PostgreSQL and SQS/);
    } finally {
      demo.child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
