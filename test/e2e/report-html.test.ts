/**
 * `securelog report --html FILE`, opened in a real headless Chromium (Debian's chromium package; .ci/run installs
 * it): the page renders without console errors, requests nothing but itself, every chart has drawn marks, and no
 * raw value is anywhere in it. The screenshot is kept in test-output/report-html.png.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import puppeteer from "puppeteer-core";
import { PgSink } from "../../src/sink/pg-sink.ts";
import { createMasker } from "../../src/transform/mask.ts";
import { generateKeyText, keyRing, parseKey } from "../../src/transform/mask-key.ts";
import { runCli } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres.ts";

const CHROMIUM = ["chromium", "chromium-browser", "google-chrome"]
  .map((name) => spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).stdout.trim())
  .find((path) => path !== "");
const missing = CHROMIUM === undefined ? "no chromium on PATH (.ci/run installs Debian's package)" : false;

const KEY = generateKeyText();
const masker = createMasker({ mode: "hmac", keys: keyRing(parseKey(KEY, "test key"), []) });
const SCREENSHOT = new URL("../../test-output/report-html.png", import.meta.url);

/** Ten days of logins: a device shared by 7 users, an address 9 users used on one day, three versions. */
function rows() {
  const out: Record<string, string | number | null>[] = [];
  const day = (i: number) => `2026-11-${String(10 + (i % 10)).padStart(2, "0")}`;
  for (let i = 0; i < 207; i++) {
    const shared = i >= 200;
    out.push({
      user_id: shared ? `sharer-${i}` : `user-${i % 60}`,
      device_type: ["android", "ios", "web"][i % 3] ?? "web",
      masked_ip: masker.mask("ip", i < 9 ? "198.18.7.7" : `10.8.${i % 40}.1`),
      masked_device_id: masker.mask("device_id", shared ? "HTML-SHARED-DEV" : `HTML-DEV-${i}`),
      locale: i % 3 === 0 ? null : "DE",
      app_version: 1 + (i % 3),
      create_date: i < 9 ? "2026-11-15" : day(i),
    });
  }
  return out;
}

describe("report --html in a real browser", { skip: missing }, () => {
  let db: TestDatabase;
  let dir: string;
  let passed = true;
  before(async () => {
    db = await createTestDatabase();
    const sink = new PgSink({ databaseUrl: db.url, poolSize: 1 });
    await sink.ensureSchema();
    await sink.close();
    await db.query(
      `WITH r AS (SELECT * FROM json_to_recordset($1::json) AS r(user_id text, device_type text, masked_ip text,
         masked_device_id text, locale text, app_version int, create_date date)),
       f AS (INSERT INTO securelog_report_feed SELECT * FROM r)
       INSERT INTO user_logins SELECT * FROM r`,
      [JSON.stringify(rows())],
    );
    await db.query(
      `INSERT INTO user_logins_rejects (message_id, reason, received_at, sent_at, receive_count, body_digest, body_bytes)
       VALUES ('r1', 'invalid_field:ip', now(), '2026-11-12T10:00:00Z', 1, 'd', 1),
              ('r2', 'malformed_json', now(), '2026-11-13T11:00:00Z', 1, 'd', 1)`,
    );
    dir = mkdtempSync(join(tmpdir(), "securelog-html-"));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db?.drop(!passed);
  });

  it("renders offline without console errors, every chart drawn, only masked values", async () => {
    const file = join(dir, "report.html");
    const result = await runCli(["report", "--html", file, "--min-group", "1", "--database-url", db.url]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /wrote .*report\.html/);
    const html = readFileSync(file, "utf8");
    for (const raw of ["HTML-SHARED-DEV", "198.18.7.7", "HTML-DEV-1", "10.8.3.1"])
      assert.ok(!html.includes(raw), `${raw} in the page`);
    assert.ok(
      html.includes(masker.mask("device_id", "HTML-SHARED-DEV")),
      "the full stored mask is in the page",
    );
    assert.doesNotMatch(html, /<(script|link|img)[^>]+(src|href)=/i, "nothing is loaded by reference");

    const browser = await puppeteer.launch({
      executablePath: CHROMIUM ?? "",
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run"],
    });
    try {
      const page = await browser.newPage();
      await page.setViewport({ width: 1280, height: 900 });
      const requests: string[] = [];
      const errors: string[] = [];
      page.on("request", (request) => requests.push(request.url()));
      page.on("console", (message) => {
        if (message.type() === "error" || message.type() === "warn") errors.push(message.text());
      });
      page.on("pageerror", (error) => errors.push(String(error)));
      await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
      // Read in the page (a string: the page's DOM types are not this project's): each chart's marks as Chart.js
      // laid them out, and the pixels its canvas actually has painted.
      const charts = (await page.evaluate(`window.securelogCharts.map((chart) => {
        const pixels = chart.canvas.getContext("2d").getImageData(0, 0, chart.canvas.width, chart.canvas.height).data;
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
        let marks = 0;
        for (let i = 0; i < chart.data.datasets.length; i++) marks += chart.getDatasetMeta(i).data.length;
        return { title: chart.canvas.getAttribute("aria-label"), marks, painted };
      })`)) as { title: string; marks: number; painted: number }[];
      mkdirSync(new URL(".", SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT.pathname as `${string}.png`, fullPage: true });
      assert.deepEqual(errors, []);
      assert.deepEqual(requests, [pathToFileURL(file).href], "the page requested nothing but itself");
      assert.equal(charts.length, 8);
      for (const chart of charts) {
        assert.ok(chart.marks > 0, `${chart.title}: no marks`);
        assert.ok(chart.painted > 1000, `${chart.title}: only ${chart.painted} pixels drawn`);
      }
      const text = (await page.evaluate("document.body.innerText")) as string;
      assert.ok(text.includes(masker.mask("device_id", "HTML-SHARED-DEV")));
    } catch (error) {
      passed = false;
      throw error;
    } finally {
      await browser.close();
    }
  });
});
