import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PgSink } from "../../src/sink/pg-sink.ts";
import type { SourceMessage } from "../../src/source/message.ts";
import { canonicalIp } from "../../src/transform/canonical-ip.ts";
import { createMasker } from "../../src/transform/mask.ts";
import { generateKeyText, keyRing, parseKey } from "../../src/transform/mask-key.ts";
import { createTransformer } from "../../src/transform/transform.ts";
import { generateEvents } from "../fixtures/sample-events.ts";
import { runCli, until } from "../helpers/cli.ts";
import { useServices } from "../helpers/services.ts";

describe("securelog run --until-empty: 1,000 messages from an SQS server into PostgreSQL", () => {
  const services = useServices();
  // One key for the file's database: a run with another key on the same table is refused (masking-config.ts).
  const key = generateKeyText();
  it("loads each valid message once, rejects each bad one with its reason, empties the queue, leaks no PII", async () => {
    const { db, sqs } = services;
    const events = generateEvents(1000, { seed: 42, badRatio: 0.04 });
    const bad = events.filter((e) => e.expect !== "row");
    assert.ok(bad.length >= 20 && bad.length <= 50, `${bad.length} bad messages: want 2-5%`);
    const queueUrl = await sqs.createQueue("login-queue");
    await sqs.send(
      queueUrl,
      events.map((e) => e.body),
    );

    const result = await runCli(["run", "--until-empty", "--queue-url", queueUrl, "--database-url", db.url], {
      SECURELOG_KEY: key,
    });
    assert.equal(result.code, 0, result.stderr);

    // Every valid message is exactly one row; every bad one exactly one rejection with the right reason.
    const good = events.filter((e) => e.expect === "row");
    const [rows] = await db.query<{ n: string }>("SELECT count(*) AS n FROM user_logins");
    assert.equal(Number(rows?.n), good.length);
    const expectedReasons = new Map<string, number>();
    for (const e of bad) expectedReasons.set(e.expect, (expectedReasons.get(e.expect) ?? 0) + 1);
    const reasons = await db.query<{ reason: string; n: string }>(
      "SELECT reason, count(*) AS n FROM user_logins_rejects GROUP BY reason",
    );
    assert.deepEqual(new Map(reasons.map((r) => [r.reason, Number(r.n)])), expectedReasons);
    const [ledger] = await db.query<{ n: string }>("SELECT count(*) AS n FROM securelog_processed");
    assert.equal(Number(ledger?.n), 1000);
    const [distinctUsers] = await db.query<{ n: string }>(
      "SELECT count(DISTINCT user_id) AS n FROM user_logins",
    );
    assert.equal(Number(distinctUsers?.n), good.length);

    // The queue is empty: nothing visible, nothing in flight.
    assert.deepEqual(await sqs.depth(queueUrl), { visible: 0, inFlight: 0 });

    // Equal raw values give equal masked values (and different ones different), with the configured key.
    const masker = createMasker({ mode: "hmac", keys: keyRing(parseKey(key, "test key"), []) });
    const loaded = await db.query<{
      user_id: string;
      masked_ip: string;
      masked_device_id: string;
      app_version: number;
    }>("SELECT user_id, masked_ip, masked_device_id, app_version FROM user_logins");
    const byUser = new Map(good.map((e) => [JSON.parse(e.body).user_id as string, e]));
    const ipMasks = new Map<string, Set<string>>();
    for (const row of loaded) {
      const event = byUser.get(row.user_id);
      assert.ok(event?.ip !== undefined && event.deviceId !== undefined);
      assert.equal(row.masked_ip, masker.mask("ip", canonicalIp(event.ip) ?? ""));
      assert.equal(row.masked_device_id, masker.mask("device_id", event.deviceId));
      assert.equal(row.app_version, Number(String(JSON.parse(event.body).app_version).split(".")[0]));
      ipMasks.set(event.ip, (ipMasks.get(event.ip) ?? new Set()).add(row.masked_ip));
    }
    assert.ok([...ipMasks.values()].every((masks) => masks.size === 1));
    const sharedDevices = await db.query<{ n: string }>(
      "SELECT count(*) AS n FROM (SELECT masked_device_id FROM user_logins GROUP BY 1 HAVING count(*) > 1) d",
    );
    assert.ok(Number(sharedDevices[0]?.n) > 0, "the sample reuses devices, so duplicates must be findable");

    // create_date is the UTC date the messages were sent (just now).
    const dates = await db.query<{ d: string }>("SELECT DISTINCT create_date::text AS d FROM user_logins");
    const today = new Date().toISOString().slice(0, 10);
    assert.ok(
      dates.every((r) => r.d === today || r.d < today),
      JSON.stringify(dates),
    );

    // No raw ip or device id anywhere: not in any table, not in anything the process printed.
    const everything = `${await db.dump()}\n${result.stdout}\n${result.stderr}`;
    const raw = events.flatMap((e) => [e.ip, e.deviceId]).filter((v): v is string => v !== undefined);
    assert.ok(raw.length > 1900);
    const leaked = raw.filter((value) => everything.includes(value));
    assert.deepEqual(leaked, []);
    assert.ok(!everything.includes(key), "the key itself is never printed or stored");

    // The summary says what happened.
    assert.match(result.stdout, /received\s+1000/);
    assert.match(result.stdout, new RegExp(`loaded\\s+${good.length}`));
    assert.match(result.stdout, new RegExp(`rejected\\s+${bad.length}`));
    assert.match(result.stdout, /deleted from queue\s+1000/);
    assert.match(result.stdout, /messages\/s\s+\d+/);
  });

  it("a message committed but not deleted (crash before delete) is skipped when redelivered", async () => {
    const { db, sqs } = services;
    const events = generateEvents(30, { seed: 5, badRatio: 0.1 });
    const queueUrl = await sqs.createQueue("redelivery-queue", { VisibilityTimeout: "1" });
    await sqs.send(
      queueUrl,
      events.map((e) => e.body),
    );
    // Play the part of a process that committed its batch and died before DeleteMessageBatch.
    const masker = createMasker({ mode: "hmac", keys: keyRing(parseKey(key, "test key"), []) });
    const transform = createTransformer(masker, "major");
    const source = sqs.source(queueUrl, { waitTimeSeconds: 0, visibilityTimeoutSeconds: 1 });
    const received: SourceMessage[] = [];
    while (received.length < 30) received.push(...(await source.receive(new AbortController().signal)));
    source.close();
    const sink = new PgSink({ databaseUrl: db.url, poolSize: 1 });
    await sink.ensureSchema();
    const [before] = await db.query<{ n: string }>("SELECT count(*) AS n FROM securelog_processed");
    await sink.write(received.map(transform));
    await sink.close();
    await until(
      async () => (await sqs.countReceivable(queueUrl)) === 30,
      "the visibility timeout to run out",
    );

    const result = await runCli(["run", "--until-empty", "--queue-url", queueUrl, "--database-url", db.url], {
      SECURELOG_KEY: key,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /received\s+30/);
    assert.match(result.stdout, /loaded\s+0/);
    assert.match(result.stdout, /duplicates skipped\s+30/);
    assert.match(result.stdout, /deleted from queue\s+30/);
    const [afterRun] = await db.query<{ n: string }>("SELECT count(*) AS n FROM securelog_processed");
    assert.equal(Number(afterRun?.n) - Number(before?.n), 30);
    assert.deepEqual(await sqs.depth(queueUrl), { visible: 0, inFlight: 0 });
  });

  it("drains a queue named by LocalStack's path-style URL (http://host:port/queue/<region>/<account>/<name>)", async () => {
    const { db, sqs } = services;
    const queueUrl = await sqs.createQueue("path-style");
    await sqs.send(
      queueUrl,
      generateEvents(20, { seed: 8, badRatio: 0 }).map((e) => e.body),
    );
    const pathStyle = `${sqs.endpoint}/queue/us-east-1/000000000000/path-style`;
    const result = await runCli(
      ["run", "--until-empty", "--queue-url", pathStyle, "--database-url", db.url],
      {
        SECURELOG_KEY: key,
      },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /loaded\s+20\b/);
    assert.deepEqual(await sqs.depth(queueUrl), { visible: 0, inFlight: 0 });
  });
});
