// Regenerates samples/login-events.jsonl, the demo's bundled events: `node scripts/make-sample.ts`.
import { writeFileSync } from "node:fs";
import { generateEvents } from "../test/fixtures/sample-events.ts";

const events = generateEvents(500, { seed: 20_221_212, badRatio: 0.05 });
writeFileSync(
  new URL("../samples/login-events.jsonl", import.meta.url),
  `${events.map((e) => e.body).join("\n")}\n`,
);
const bad = events.filter((e) => e.expect !== "row").length;
process.stdout.write(`wrote ${events.length} events (${bad} bad)\n`);
