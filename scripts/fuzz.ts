// npm run fuzz -- [--runs N] [--seed S] [--mask hmac|encrypt]: the whole-path fuzz property of
// test/fuzz/whole-path.test.ts, run long and seeded, against the test PostgreSQL (TEST_DATABASE_URL, else the
// machine's). Prints what ran, the outcomes by reason and, on failure, the shrunk counterexample and the seed
// and path that replay it. Exit 0 when every case held.
import { parseArgs } from "node:util";
import fc from "fast-check";
import { hostileMessage } from "../test/fuzz/hostile.ts";
import { wholePath } from "../test/fuzz/whole-path.ts";
import { createTestDatabase } from "../test/helpers/postgres.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "100000" },
    seed: { type: "string" },
    mask: { type: "string", default: "hmac" },
  },
});
const runs = Number(values.runs);
const seed = values.seed === undefined ? Date.now() % 2_147_483_647 : Number(values.seed);
const mode = values.mask === "encrypt" ? "encrypt" : "hmac";
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed)) {
  process.stderr.write("usage: npm run fuzz -- [--runs N] [--seed S] [--mask hmac|encrypt]\n");
  process.exit(2);
}

const db = await createTestDatabase();
const path = await wholePath(db.url, mode);
const started = performance.now();
const result = await fc.check(
  fc.asyncProperty(
    fc.array(hostileMessage, { minLength: 1, maxLength: 12 }),
    fc.integer({ min: 1, max: 12 }),
    async (messages, batchSize) => {
      await path.check(messages, batchSize);
      const done = path.totals.runs;
      if (done % 10_000 === 0) await path.checkNoLeak();
      if (done % 1000 === 0) {
        const seconds = (performance.now() - started) / 1000;
        process.stderr.write(
          `\r${done} / ${runs} batches, ${path.totals.messages} messages, ${seconds.toFixed(0)} s`,
        );
      }
    },
  ),
  { numRuns: runs, seed },
);
let leakError: unknown;
if (!result.failed) await path.checkNoLeak().catch((error: unknown) => (leakError = error));
await path.close();
const { totals } = path;
const seconds = (performance.now() - started) / 1000;
const rejected = [...totals.rejected.entries()].sort(([a], [b]) => a.localeCompare(b));
process.stderr.write("\n");
const report = [
  `fuzz --mask ${mode}, seed ${seed}: ${result.numRuns} of ${runs} cases passed (a case: a batch of 1-12 hostile messages), ${totals.messages} messages in ${seconds.toFixed(0)} s`,
  `  loaded ${totals.loaded}, rejected ${rejected.reduce((n, [, c]) => n + c, 0)}:`,
  ...rejected.map(([reason, n]) => `    ${reason.padEnd(32)} ${n}`),
];
process.stdout.write(`${report.join("\n")}\n`);
if (result.failed || leakError !== undefined) {
  process.stdout.write(`FAILED\n${fc.defaultReportMessage(result) ?? String(leakError)}\n`);
  await db.drop(true);
  process.exit(1);
}
await db.drop();
