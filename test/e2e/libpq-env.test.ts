import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { generateKeyText } from "../../src/transform/mask-key.ts";
import { generateEvents } from "../fixtures/sample-events.ts";
import { runCli } from "../helpers/cli.ts";
import { useServices } from "../helpers/services.ts";

describe("PostgreSQL through libpq's PG* variables", () => {
  const services = useServices();

  it("with only PGHOST, PGPORT, PGUSER, PGDATABASE and PGPASSWORD set, every command uses that database and never prints the password", async () => {
    const { db, sqs } = services;
    const url = new URL(db.url);
    const env = {
      PGHOST: url.hostname,
      PGPORT: url.port || "5432",
      PGUSER: decodeURIComponent(url.username),
      PGDATABASE: db.name,
      // The test server trusts local connections, so any password is accepted; it must never be shown.
      PGPASSWORD: "pgpass-marker-7f3a",
      SECURELOG_KEY: generateKeyText(),
    };
    const queueUrl = await sqs.createQueue("libpq");
    const events = generateEvents(120, { seed: 3, badRatio: 0.1 });
    await sqs.send(
      queueUrl,
      events.map((e) => e.body),
    );
    const loaded = events.filter((e) => e.expect === "row");
    const target = loaded[0];
    assert.ok(target?.ip !== undefined);

    const commands = [
      ["run", "--until-empty", "--queue-url", queueUrl],
      ["stats", "--json"],
      ["forget", "--ip", target.ip, "--dry-run"],
      ["rekey", "--reason", "test"],
      ["prune", "--queue-url", queueUrl],
    ];
    const outputs: string[] = [];
    for (const args of commands) {
      const result = await runCli(args, env);
      outputs.push(result.stdout + result.stderr);
      assert.ok(
        result.code === 0 || (args[0] === "rekey" && result.code === 2),
        `${args[0]}: ${result.stderr}`,
      );
      assert.doesNotMatch(result.stderr, /error/i, `${args[0]}: ${result.stderr}`);
    }
    // The rows are in the PGDATABASE database, and every command read it.
    const [count] = await db.query<{ n: string }>("SELECT count(*) AS n FROM user_logins");
    assert.equal(Number(count?.n), loaded.length);
    const stats = JSON.parse(outputs[1] ?? "{}") as { rows?: unknown };
    assert.equal(Number(stats.rows), loaded.length);
    assert.match(outputs[2] ?? "", /: [1-9]\d* rows/);
    assert.match(outputs[4] ?? "", /^pruned 0 ledger entries/m);
    assert.doesNotMatch(outputs.join("\n"), /pgpass-marker-7f3a/);
  });
});
