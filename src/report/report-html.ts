import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Report } from "./report-schema.ts";

/**
 * `securelog report --html FILE`: one self-contained page. Chart.js (its UMD build) is inlined, and the page's
 * Content-Security-Policy allows no source but itself, so it opens offline and can fetch nothing from any host
 * (no script, style, font or image). The report travels as JSON in a script element of its own, escaped so that no
 * value (a user_id is whatever the producer sent) can end that element, and every value reaches the page through
 * textContent or a chart label, never as markup.
 */

function chartJs(): string {
  // The package exports only its module builds; the UMD file sits beside them.
  const main = createRequire(import.meta.url).resolve("chart.js");
  const text = readFileSync(join(dirname(main), "chart.umd.min.js"), "utf8");
  return text.replace(/\/\/# sourceMappingURL=\S+\s*$/, "").replaceAll("</script", "<\\/script");
}

/** JSON that is safe inside a script element: `<` is written as \u003c, so no value can close it. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll("<", "\\u003c")
    .replaceAll("\u2028", "\\u2028")
    .replaceAll("\u2029", "\\u2029");
}

const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:";

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2733;background:#fff}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:24px}
.chart{position:relative;height:300px}table{border-collapse:collapse;font-size:12px}td,th{padding:2px 8px;border-bottom:1px solid #dde}
th{text-align:left}td.n{text-align:right}code{font-size:11px}.note{color:#556}`;

/** The page's own script: builds the charts and tables from the embedded report. */
const PAGE_SCRIPT = `(() => {
  const r = JSON.parse(document.getElementById("report-data").textContent);
  const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = String(text); if (cls) e.className = cls; return e; };
  const short = (mask) => mask.length > 24 ? mask.slice(0, 22) + "…" : mask;
  const charts = [];
  const palette = ["#2f6fdf", "#e0702c", "#2a9d5c", "#b8406a", "#7a56c9", "#8b7d2a", "#1f9bb0", "#c23b2e"];
  function chart(parent, title, config) {
    const box = el("div", undefined, "panel"); box.append(el("h2", title));
    const holder = el("div", undefined, "chart"); const canvas = document.createElement("canvas");
    canvas.setAttribute("aria-label", title); holder.append(canvas); box.append(holder); parent.append(box);
    config.options = Object.assign({ animation: false, responsive: true, maintainAspectRatio: false }, config.options || {});
    charts.push(new Chart(canvas, config));
  }
  function table(parent, title, rows, columns, note) {
    const box = el("div"); box.append(el("h2", title));
    if (note) box.append(el("p", note, "note"));
    const t = el("table"); const head = el("tr");
    for (const c of columns) head.append(el("th", c));
    t.append(head);
    for (const row of rows) {
      const tr = el("tr");
      for (const c of columns) {
        const v = row[c];
        const td = el("td", v === null ? "(none)" : v, typeof v === "number" ? "n" : undefined);
        if (typeof v === "string" && v.length > 40) { td.textContent = ""; td.append(el("code", v)); }
        tr.append(td);
      }
      t.append(tr);
    }
    if (rows.length === 0) { const tr = el("tr"); tr.append(el("td", "nothing in this range")); t.append(tr); }
    box.append(t); parent.append(box);
  }
  const other = (what, h) => h.groups > 0 ? h.groups + " " + what + " with fewer users than " + r.min_group + " left out (" + h.logins + " logins)" : undefined;
  const main = document.getElementById("report");
  const grid = el("div", undefined, "grid"); main.append(grid);
  const days = r.days.map((d) => d.date);
  chart(grid, "Logins and distinct users per day", { type: "line", data: { labels: days, datasets: [
    { label: "logins", data: r.days.map((d) => d.logins), borderColor: palette[0], backgroundColor: palette[0] },
    { label: "users", data: r.days.map((d) => d.users), borderColor: palette[1], backgroundColor: palette[1] } ] } });
  const versions = [...new Set(r.app_versions.map((v) => v.app_version))].sort((a, b) => a - b);
  const versionDays = [...new Set(r.app_versions.map((v) => v.date))].sort();
  chart(grid, "Logins per app_version per day", { type: "bar", data: { labels: versionDays, datasets: versions.map((v, i) => ({
    label: "version " + v, backgroundColor: palette[i % palette.length],
    data: versionDays.map((d) => (r.app_versions.find((x) => x.date === d && x.app_version === v) || { logins: 0 }).logins) })) },
    options: { scales: { x: { stacked: true }, y: { stacked: true } } } });
  const reasons = [...new Set(r.rejections.map((x) => x.reason))].sort();
  const rejectionDays = [...new Set(r.rejections.map((x) => x.date))].sort();
  chart(grid, "Rejections per day by reason", { type: "bar", data: { labels: rejectionDays, datasets: reasons.map((reason, i) => ({
    label: reason, backgroundColor: palette[i % palette.length],
    data: rejectionDays.map((d) => (r.rejections.find((x) => x.date === d && x.reason === reason) || { count: 0 }).count) })) },
    options: { scales: { x: { stacked: true }, y: { stacked: true } } } });
  const bars = (title, rows, label, value, color) => chart(grid, title, { type: "bar", data: { labels: rows.map(label),
    datasets: [{ label: "distinct users", data: rows.map(value), backgroundColor: color }] }, options: { indexAxis: "y" } });
  bars("Shared devices: most distinct users", r.shared_devices, (d) => short(d.masked_device_id), (d) => d.users, palette[3]);
  bars("Busy addresses: most distinct users on one day", r.busy_ips, (b) => b.date + " " + short(b.masked_ip), (b) => b.users, palette[4]);
  chart(grid, "Roaming users: most distinct devices and addresses", { type: "bar", data: { labels: r.roaming_users.map((u) => u.user_id),
    datasets: [{ label: "devices", data: r.roaming_users.map((u) => u.devices), backgroundColor: palette[2] },
      { label: "addresses", data: r.roaming_users.map((u) => u.ips), backgroundColor: palette[5] }] }, options: { indexAxis: "y" } });
  chart(grid, "Device types", { type: "doughnut", data: { labels: r.device_types.map((d) => d.device_type),
    datasets: [{ label: "logins", data: r.device_types.map((d) => d.logins), backgroundColor: palette }] } });
  chart(grid, "Locales", { type: "doughnut", data: { labels: r.locales.map((l) => l.locale === null ? "(none)" : l.locale),
    datasets: [{ label: "logins", data: r.locales.map((l) => l.logins), backgroundColor: palette }] } });
  table(main, "Shared devices", r.shared_devices, ["masked_device_id", "users", "logins", "first_seen", "last_seen"], other("devices", r.other.shared_devices));
  table(main, "Busy addresses", r.busy_ips, ["date", "masked_ip", "users", "logins"], other("addresses", r.other.busy_ips));
  table(main, "Roaming users", r.roaming_users, ["user_id", "devices", "ips", "logins"], other("users", r.other.roaming_users));
  table(main, "Logins per day", r.days, ["date", "logins", "users"], other("days", r.other.days));
  window.securelogCharts = charts;
})();`;

export function reportHtml(r: Report, generatedAt: Date): string {
  const range = `${r.since ?? "the first day"} to ${r.until ?? "the last day"}`;
  const groups = r.min_group > 1 ? `; groups of fewer than ${r.min_group} users left out` : "";
  const title = `SecureLog report, ${range}`;
  const text = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="referrer" content="no-referrer">
<title>${text(title)}</title><style>${STYLE}</style></head>
<body><h1>${text(title)}</h1>
<p class="note">Masked values only, exactly as stored (they join back to user_logins)${text(groups)}. Generated ${text(generatedAt.toISOString())} by securelog report --html; this file loads nothing from anywhere.</p>
<main id="report"></main>
<script type="application/json" id="report-data">${scriptJson(r)}</script>
<script>${chartJs()}</script>
<script>${PAGE_SCRIPT}</script>
</body></html>
`;
}
