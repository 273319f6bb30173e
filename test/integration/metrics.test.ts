import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { generateKeyText } from "../../src/transform/mask-key.ts";
import { generateEvents } from "../fixtures/sample-events.ts";
import { startCli, until } from "../helpers/cli.ts";
import { startDatabaseProxy } from "../helpers/proxy.ts";
import { useServices } from "../helpers/services.ts";

/** Sums each metric's samples by name and label set: `name{labels}` -> value. */
function parseMetrics(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line.trim() === "") continue;
    const match = /^([^\s]+)\s+([^\s]+)$/.exec(line);
    if (match?.[1] !== undefined) values.set(match[1], Number(match[2]));
  }
  return values;
}

describe("metrics and health endpoints", () => {
  const services = useServices();

  it("/metrics matches the summary; /readyz follows PostgreSQL's availability", async () => {
    const { db, sqs } = services;
    const proxy = await startDatabaseProxy(db.url);
    try {
      const queueUrl = await sqs.createQueue("metrics");
      const events = generateEvents(300, { seed: 88, badRatio: 0.1 });
      await sqs.send(
        queueUrl,
        events.map((e) => e.body),
      );
      const startedAt = Date.now() / 1000;
      const cli = startCli(
        ["run", "--queue-url", queueUrl, "--database-url", proxy.url, "--wait-time", "1"],
        {
          SECURELOG_KEY: generateKeyText(),
          SECURELOG_METRICS_PORT: "0",
          SECURELOG_METRICS_HOST: "127.0.0.1",
        },
      );
      await until(() => /"port":\d+.*"msg":"metrics"/.test(cli.output()), "the metrics server");
      const port = Number(/"port":(\d+)/.exec(cli.output())?.[1]);
      const get = async (path: string) => {
        const response = await fetch(`http://127.0.0.1:${port}${path}`);
        return { status: response.status, text: await response.text() };
      };
      await until(
        async () => parseMetrics((await get("/metrics")).text).get("securelog_deleted_total") === 300,
        "all 300 to be deleted",
      );
      const scraped = parseMetrics((await get("/metrics")).text);

      assert.equal((await get("/healthz")).status, 200);
      assert.deepEqual(await get("/readyz"), { status: 200, text: '{"sqs":"ok","postgres":"ok"}\n' });
      await proxy.cut();
      const down = await get("/readyz");
      assert.equal(down.status, 503);
      assert.deepEqual(JSON.parse(down.text), { sqs: "ok", postgres: "unreachable" });
      const cutScrape = parseMetrics((await get("/metrics")).text);
      assert.equal(cutScrape.get('securelog_up{dependency="postgres"}'), 0);
      assert.equal(cutScrape.get('securelog_up{dependency="sqs"}'), 1);
      await proxy.restore();
      await until(async () => (await get("/readyz")).status === 200, "ready again");

      cli.child.kill("SIGTERM");
      const result = await cli.done;
      assert.equal(result.code, 0, result.stderr);
      const stat = (label: string) => Number(new RegExp(`${label}\\s+(\\d+)`).exec(result.stdout)?.[1]);
      assert.equal(scraped.get("securelog_received_total"), stat("received"));
      assert.equal(scraped.get("securelog_loaded_total"), stat("loaded"));
      assert.equal(scraped.get("securelog_deleted_total"), stat("deleted from queue"));
      const bad = events.filter((e) => e.expect !== "row");
      for (const reason of new Set(bad.map((e) => e.expect))) {
        const expected = bad.filter((e) => e.expect === reason).length;
        assert.equal(scraped.get(`securelog_rejected_total{reason="${reason}"}`), expected, reason);
        assert.equal(stat(reason.replace(/[()]/g, "\\$&")), expected);
      }
      assert.equal(scraped.get("securelog_in_flight_messages"), 0);
      assert.equal(scraped.get("securelog_queue_depth_messages"), 0);
      assert.ok((scraped.get("securelog_batch_duration_seconds_count") ?? 0) > 0);
      // Timestamps for alerts on a stalled consumer (time() - x), freshness, dependencies, build and process.
      const now = Date.now() / 1000;
      for (const name of ["last_receive", "last_commit"]) {
        const at = scraped.get(`securelog_${name}_timestamp_seconds`) ?? 0;
        assert.ok(at >= startedAt && at <= now, `${name}: ${at} not in [${startedAt}, ${now}]`);
      }
      const freshness = scraped.get("securelog_freshness_seconds") ?? -1;
      assert.ok(freshness >= 0 && freshness < now - startedAt + 5, `freshness ${freshness}`);
      assert.equal(scraped.get('securelog_up{dependency="postgres"}'), 1);
      assert.equal(scraped.get('securelog_retries_total{target="sqs"}'), 0);
      const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
      assert.equal(
        scraped.get(`securelog_build_info{version="${version}",node_version="${process.versions.node}"}`),
        1,
      );
      assert.ok((scraped.get("process_resident_memory_bytes") ?? 0) > 0);
      assert.ok(scraped.has("nodejs_eventloop_lag_seconds"));
      const metricsText = (await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined))?.ok;
      assert.notEqual(metricsText, true, "the server stops with the run");
      const raw = events.flatMap((e) => [e.ip, e.deviceId]).filter((v): v is string => v !== undefined);
      const everything = [...scraped.keys()].join("\n");
      assert.deepEqual(
        raw.filter((v) => everything.includes(v)),
        [],
      );
    } finally {
      await proxy.close();
    }
  });
});
