import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import { generateKeyText } from "../../src/transform/mask-key.ts";
import { generateEvents } from "../fixtures/sample-events.ts";
import { runCli } from "../helpers/cli.ts";
import { useServices } from "../helpers/services.ts";
import { snsEnvelope } from "../helpers/sns.ts";

describe("SNS-to-SQS fan-out (no raw delivery)", () => {
  const services = useServices();

  it("enveloped events load as normal rows, a notification delivered twice loads once, bad ones are rejections keyed by the SNS MessageId", async () => {
    const { db, sqs } = services;
    const queueUrl = await sqs.createQueue("sns-fanout");
    const good = generateEvents(80, { seed: 5, badRatio: 0 });
    const notifications = good.slice(0, 60).map((e) => ({ id: randomUUID(), body: e.body }));
    const direct = good.slice(60).map((e) => e.body);
    const bad = [
      JSON.stringify({
        device_type: "ios",
        ip: "203.0.113.77",
        device_id: "111-22-3333",
        app_version: "1.0",
      }),
      "not json at all",
    ].map((body) => ({ id: randomUUID(), body }));
    await sqs.send(queueUrl, [
      ...notifications.map((n) => snsEnvelope(n.body, n.id)),
      // SNS delivers at least once: ten notifications arrive a second time, as new SQS messages.
      ...notifications.slice(0, 10).map((n) => snsEnvelope(n.body, n.id)),
      ...direct,
      ...bad.map((n) => snsEnvelope(n.body, n.id)),
    ]);

    const run = await runCli(["run", "--until-empty", "--queue-url", queueUrl, "--database-url", db.url], {
      SECURELOG_KEY: generateKeyText(),
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /duplicates skipped\s+10\b/);
    assert.deepEqual(await sqs.depth(queueUrl), { visible: 0, inFlight: 0 });

    const rows = await db.query<{ user_id: string }>("SELECT user_id FROM user_logins");
    assert.equal(rows.length, 80);
    const expected = good.map((e) => (JSON.parse(e.body) as { user_id: string }).user_id).sort();
    assert.deepEqual(rows.map((r) => r.user_id).sort(), expected);
    const rejects = await db.query<{ message_id: string; reason: string; masked_body: unknown }>(
      "SELECT message_id, reason, masked_body FROM user_logins_rejects ORDER BY reason",
    );
    assert.deepEqual(
      rejects.map((r) => [r.message_id.split(":").slice(0, 2).join(":"), r.reason]),
      [
        [`sns:${bad[1]?.id}`, "malformed_json"],
        [`sns:${bad[0]?.id}`, "missing_field:user_id"],
      ],
    );
    assert.doesNotMatch(JSON.stringify(rejects), /203\.0\.113\.77|111-22-3333/);
    // Every notification is traceable by its SNS MessageId in the ledger.
    const ledger = await db.query<{ n: string }>(
      "SELECT count(*) AS n FROM securelog_processed WHERE split_part(message_id, ':', 1) || ':' || split_part(message_id, ':', 2) = ANY($1)",
      [[...notifications, ...bad].map((n) => `sns:${n.id}`)],
    );
    assert.equal(Number(ledger[0]?.n), 62);
  });

  it("forged envelopes reusing one MessageId over different events all load; a genuine notification sent after them is not suppressed", async () => {
    const { db, sqs } = services;
    await db.query("TRUNCATE user_logins, user_logins_rejects, securelog_processed, securelog_config");
    const queueUrl = await sqs.createQueue("sns-forged");
    const events = generateEvents(5, { seed: 6, badRatio: 0 }).map((e) => e.body);
    const sharedId = "11111111-2222-3333-4444-555555555555";
    // Four producers' forged envelopes over four events, then the genuine notification with that id over a fifth.
    await sqs.send(
      queueUrl,
      events.map((body) => snsEnvelope(body, sharedId)),
    );
    const key = generateKeyText();
    const run = await runCli(["run", "--until-empty", "--queue-url", queueUrl, "--database-url", db.url], {
      SECURELOG_KEY: key,
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /loaded\s+5\b/);
    assert.match(run.stdout, /duplicates skipped\s+0\b/);
    const rows = await db.query<{ user_id: string }>("SELECT user_id FROM user_logins");
    assert.deepEqual(
      rows.map((r) => r.user_id).sort(),
      events.map((e) => (JSON.parse(e) as { user_id: string }).user_id).sort(),
    );
    // A genuine redelivery of one of them (same id, same event) is still a duplicate.
    await sqs.send(queueUrl, [snsEnvelope(events[0] ?? "", sharedId)]);
    const again = await runCli(["run", "--until-empty", "--queue-url", queueUrl, "--database-url", db.url], {
      SECURELOG_KEY: key,
    });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /duplicates skipped\s+1\b/);
  });
});
