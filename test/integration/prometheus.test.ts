import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { generateKeyText } from "../../src/transform/mask-key.ts";
import { generateEvents } from "../fixtures/sample-events.ts";
import { REPO_ROOT, startCli, until } from "../helpers/cli.ts";
import { useServices } from "../helpers/services.ts";

const RULES = join(REPO_ROOT, "deploy/prometheus/alerts.yml");
const RULE_TESTS = join(REPO_ROOT, "deploy/prometheus/alerts.test.yml");
const DASHBOARD = join(REPO_ROOT, "deploy/grafana/securelog-dashboard.json");

/** Debian's prometheus package; .ci/run installs it. Without it these tests say so and skip. */
const installed = spawnSync("promtool", ["--version"]).status === 0;
const missing = installed
  ? false
  : "prometheus is not installed (apt-get install prometheus; .ci/run does it)";

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

interface QueryResult {
  status: string;
  error?: string;
  data: { result: { metric: Record<string, string>; value: [number, string] }[] };
}

describe("Prometheus: the shipped alerts and a real server scraping securelog", () => {
  const services = useServices();

  it("promtool accepts the rule file, and its unit tests show each alert firing and staying quiet", {
    skip: missing,
  }, () => {
    const check = spawnSync("promtool", ["check", "rules", RULES], { encoding: "utf8" });
    assert.equal(check.status, 0, check.stdout + check.stderr);
    const test = spawnSync("promtool", ["test", "rules", RULE_TESTS], { encoding: "utf8" });
    assert.equal(test.status, 0, test.stdout + test.stderr);
    // Every alert in the file has a test that expects it to fire.
    const alerts = [...readFileSync(RULES, "utf8").matchAll(/- alert: (\w+)/g)].map((m) => m[1]);
    const tests = readFileSync(RULE_TESTS, "utf8");
    for (const alert of alerts)
      assert.match(tests, new RegExp(`alertname: ${alert}\\n\\s+exp_alerts:\\n\\s+- exp_labels`), alert);
  });

  it("a Prometheus server scrapes a running securelog: the loaded count, healthy rules, every dashboard query", {
    skip: missing,
  }, async () => {
    const { db, sqs } = services;
    const queueUrl = await sqs.createQueue("scraped");
    const events = generateEvents(400, { seed: 41, badRatio: 0.1 });
    await sqs.send(
      queueUrl,
      events.map((e) => e.body),
    );
    const cli = startCli(["run", "--queue-url", queueUrl, "--database-url", db.url], {
      SECURELOG_KEY: generateKeyText(),
      SECURELOG_METRICS_PORT: "0",
      SECURELOG_METRICS_HOST: "127.0.0.1",
    });
    const dir = mkdtempSync(join(tmpdir(), "securelog-prometheus-"));
    let prometheus: ChildProcess | undefined;
    try {
      await until(() => /"port":\d+.*"msg":"metrics"/.test(cli.output()), "the metrics server");
      const target = `127.0.0.1:${/"port":(\d+)/.exec(cli.output())?.[1]}`;
      writeFileSync(
        join(dir, "prometheus.yml"),
        [
          "global: { scrape_interval: 1s, evaluation_interval: 1s }",
          `rule_files: [${JSON.stringify(RULES)}]`,
          "scrape_configs:",
          "  - job_name: securelog",
          `    static_configs: [{ targets: [${JSON.stringify(target)}] }]`,
          "",
        ].join("\n"),
      );
      const port = await freePort();
      prometheus = spawn(
        "prometheus",
        [
          `--config.file=${join(dir, "prometheus.yml")}`,
          `--storage.tsdb.path=${join(dir, "data")}`,
          `--web.listen-address=127.0.0.1:${port}`,
        ],
        { stdio: ["ignore", "ignore", "pipe"] },
      );
      let log = "";
      prometheus.stderr?.on("data", (chunk: Buffer) => {
        log += chunk.toString();
      });
      const api = async <T>(path: string): Promise<T> =>
        (await (await fetch(`http://127.0.0.1:${port}/api/v1/${path}`)).json()) as T;
      const query = (promql: string) => api<QueryResult>(`query?query=${encodeURIComponent(promql)}`);
      const loaded = events.filter((e) => e.expect === "row").length;

      let seen: string | undefined;
      await until(
        async () => {
          const result = await query('securelog_loaded_total{job="securelog"}').catch(() => undefined);
          seen = result?.data.result[0]?.value[1];
          return seen === String(loaded);
        },
        () => `Prometheus to see ${loaded} loaded (last seen ${seen})\n${log.slice(-2000)}`,
        60_000,
      );

      const rules = await api<{ data: { groups: { rules: { name: string; health: string }[] }[] } }>("rules");
      const loadedRules = rules.data.groups.flatMap((g) => g.rules);
      assert.ok(loadedRules.length >= 9);
      for (const rule of loadedRules) assert.equal(rule.health, "ok", rule.name);
      // Scraped and evaluated against a healthy consumer, no alert fires.
      const alerts = await api<{ data: { alerts: { labels: { alertname: string } }[] } }>("alerts");
      assert.deepEqual(
        alerts.data.alerts.map((a) => a.labels.alertname),
        [],
      );

      // Every expression in the Grafana dashboard parses and evaluates against real series (with Grafana's own
      // variables given values).
      const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8")) as {
        panels: { title: string; targets: { expr: string }[] }[];
      };
      const exprs = dashboard.panels.flatMap((panel) =>
        panel.targets.map(({ expr }) => ({
          panel: panel.title,
          promql: expr.replaceAll("$__rate_interval", "1m").replaceAll("$job", "securelog"),
        })),
      );
      for (const { panel, promql } of exprs) {
        const result = await query(promql);
        assert.equal(result.status, "success", `${panel}: ${result.error}`);
      }
      // Rates need two scrapes in the window: wait until every panel shows a series.
      let empty: string[] = [];
      await until(
        async () => {
          const results = await Promise.all(exprs.map(async (e) => ({ e, r: await query(e.promql) })));
          empty = results.filter(({ r }) => r.data.result.length === 0).map(({ e }) => e.promql);
          return empty.length === 0;
        },
        () => `every dashboard query to find series; empty: ${empty.join(", ")}`,
        30_000,
      );
      const build = await query("securelog_build_info");
      assert.match(build.data.result[0]?.metric.version ?? "", /^\d+\.\d+\.\d+/);
      const up = await query('securelog_up{dependency="postgres"}');
      assert.equal(up.data.result[0]?.value[1], "1");
    } finally {
      prometheus?.kill("SIGTERM");
      cli.child.kill("SIGTERM");
      await cli.done;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
