import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { generateKeyText } from "../../src/transform/mask-key.ts";
import { generateEvents } from "../fixtures/sample-events.ts";
import { runCli } from "../helpers/cli.ts";
import { useServices } from "../helpers/services.ts";

describe("run --dry-run", () => {
  const services = useServices();

  it("reports what would be loaded and rejected, writes nothing, and leaves the queue whole and visible at once", async () => {
    const { db, sqs } = services;
    const dlq = await sqs.createQueue("dry-dlq");
    const queueUrl = await sqs.createQueue("dry", {
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: `arn:aws:sqs:us-east-1:000000000000:${dlq.split("/").pop()}`,
        maxReceiveCount: 5,
      }),
    });
    const events = generateEvents(250, { seed: 8, badRatio: 0.12 });
    await sqs.send(
      queueUrl,
      events.map((e) => e.body),
    );
    const key = generateKeyText();
    const dry = await runCli(["run", "--dry-run", "--queue-url", queueUrl, "--database-url", db.url], {
      SECURELOG_KEY: key,
    });
    assert.equal(dry.code, 0, dry.stderr);
    const good = events.filter((e) => e.expect === "row").length;
    assert.match(dry.stdout, /read\s+250\n/);
    assert.match(dry.stdout, new RegExp(`would load\\s+${good}\\n`));
    assert.match(dry.stdout, new RegExp(`would reject\\s+${250 - good}\\n`));
    for (const reason of new Set(events.filter((e) => e.expect !== "row").map((e) => e.expect))) {
      const n = events.filter((e) => e.expect === reason).length;
      assert.match(dry.stdout, new RegExp(`${reason.replace(/[()]/g, "\\$&")}\\s+${n}\\n`), reason);
    }
    assert.match(dry.stdout, /masked_ip/);
    assert.match(dry.stderr, /dead-letter queue after 5/);
    const raw = events.flatMap((e) => [e.ip, e.deviceId]).filter((v): v is string => v !== undefined);
    assert.deepEqual(
      raw.filter((v) => (dry.stdout + dry.stderr).includes(v)),
      [],
    );

    // Nothing written: not even the tables exist. The queue is whole, and visible now, not after a timeout.
    const tables = await db.query("SELECT 1 FROM pg_tables WHERE schemaname = 'public'");
    assert.deepEqual(tables, []);
    assert.deepEqual(await sqs.depth(queueUrl), { visible: 250, inFlight: 0 });
    assert.equal(await sqs.countReceivable(queueUrl), 250);

    // A real run afterwards loads all of it.
    const run = await runCli(["run", "--until-empty", "--queue-url", queueUrl, "--database-url", db.url], {
      SECURELOG_KEY: key,
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`loaded\\s+${good}\\n`));
  });
});
