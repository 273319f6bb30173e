// npm run bench: SecureLog against the queue's own ceiling, and the sink alone. See docs/benchmarks.md.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { CreateQueueCommand, SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import pg from "pg";
import { generateEvents } from "../src/embedded/sample-events.ts";
import { PgSink } from "../src/sink/pg-sink.ts";
import { createSqsClient } from "../src/source/sqs-source.ts";
import { createMasker } from "../src/transform/mask.ts";
import { generateKeyText, keyRing, parseKey } from "../src/transform/mask-key.ts";
import { createTransformer } from "../src/transform/transform.ts";
import { transformCosts } from "./bench-costs.ts";

const N = Number(process.env.BENCH_MESSAGES ?? 50_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const POLLERS = 8; // SecureLog's default --concurrency: the ceiling is measured with the same pollers
const ADMIN_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const BIN = fileURLToPath(new URL("../bin/securelog.mjs", import.meta.url));
const KEY = generateKeyText();
/** The V8 flags `securelog` starts with, read from its shebang (importing the launcher would run it). */
const V8_FLAGS = (readFileSync(BIN, "utf8").split("\n")[0] ?? "")
  .split(" ")
  .filter((arg) => arg.startsWith("--"));
/** Extra `securelog run` flags for experiments, e.g. BENCH_ARGS="--max-in-flight 5000"; defaults are measured without. */
const EXTRA_ARGS = (process.env.BENCH_ARGS ?? "").split(" ").filter((arg) => arg !== "");
const bodies = generateEvents(N, { seed: 2024 }).map((e) => e.body);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function startSqsServer(): Promise<{ endpoint: string; stop: () => void }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL("./bench-sqs-server.ts", import.meta.url))], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [line] = await createInterface({ input: child.stdout })
    [Symbol.asyncIterator]()
    .next()
    .then((r) => [r.value]);
  return { endpoint: new URL(String(line)).origin, stop: () => child.kill("SIGTERM") };
}

const sqs = await startSqsServer();
const sqsConfig = (queueUrl: string) => ({
  queueUrl,
  endpoint: sqs.endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
});
const client = createSqsClient(sqsConfig(`${sqs.endpoint}/000000000000/x`), {
  maxSockets: 32,
  waitTimeSeconds: 1,
});

async function filledQueue(name: string): Promise<string> {
  const created = await client.send(new CreateQueueCommand({ QueueName: name }));
  const queueUrl = `${sqs.endpoint}${new URL(created.QueueUrl ?? "").pathname}`;
  const batches: string[][] = [];
  for (let i = 0; i < bodies.length; i += 10) batches.push(bodies.slice(i, i + 10));
  for (let i = 0; i < batches.length; i += 32) {
    await Promise.all(
      batches.slice(i, i + 32).map((batch) =>
        client.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((body, id) => ({ Id: String(id), MessageBody: body })),
          }),
        ),
      ),
    );
  }
  return queueUrl;
}

const createdDatabases: string[] = [];

async function freshDatabase(name: string): Promise<string> {
  createdDatabases.push(name);
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.href;
}

/** (a) The ceiling, in a process of its own started like `securelog run` (scripts/bench-ceiling.ts). */
async function ceiling(name: string, split = false): Promise<number> {
  const queueUrl = await filledQueue(name);
  const child = spawn(
    process.execPath,
    [
      ...V8_FLAGS,
      fileURLToPath(new URL("./bench-ceiling.ts", import.meta.url)),
      queueUrl,
      sqs.endpoint,
      String(POLLERS),
      ...(split ? ["split"] : []),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  await once(child, "close");
  const { perSecond } = JSON.parse(out) as { perSecond: number };
  return perSecond;
}

/** Rows committed per second, from the ledger, between the first and the last commit. */
async function watchLedger(databaseUrl: string, until: () => boolean): Promise<number> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  let first = 0;
  let last = 0;
  let count = 0;
  while (!until() || count < N) {
    const n = Number(
      (await db.query("SELECT count(*) AS n FROM securelog_processed").catch(() => ({ rows: [{ n: 0 }] })))
        .rows[0]?.n,
    );
    if (n > count) {
      first ||= performance.now();
      last = performance.now();
      count = n;
    }
    if (until() && n === count) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await db.end();
  return count / ((last - first) / 1000);
}

/** (b) `securelog run --until-empty` end to end, in processes of its own; returns rate and peak RSS. */
async function endToEnd(name: string, processes: number): Promise<{ rate: number; peakRssMb: number }> {
  const queueUrl = await filledQueue(name);
  const databaseUrl = await freshDatabase(`securelog_bench_${name.replaceAll("-", "_")}`);
  let running = processes;
  let peakRssMb = 0;
  const children = Array.from({ length: processes }, () => {
    const child = spawn(
      BIN,
      [
        "run",
        "--until-empty",
        "--queue-url",
        queueUrl,
        "--database-url",
        databaseUrl,
        "--quiet",
        ...EXTRA_ARGS,
      ],
      {
        env: { ...process.env, SECURELOG_KEY: KEY },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on("close", () => {
      running--;
      peakRssMb = Math.max(peakRssMb, Number(/peak memory \(MiB\)\s+(\d+)/.exec(out)?.[1] ?? 0));
    });
    return child;
  });
  const rate = await watchLedger(databaseUrl, () => running === 0);
  for (const child of children) child.kill();
  return { rate, peakRssMb };
}

/** (c) The sink alone: N transformed rows written from memory through PgSink, as `run` writes them. */
async function sinkAlone(round: number): Promise<number> {
  const databaseUrl = await freshDatabase(`securelog_bench_sink_${round}`);
  const transform = createTransformer(
    createMasker({ mode: "hmac", keys: keyRing(parseKey(KEY, "bench"), []) }),
    "major",
  );
  const outcomes = bodies.map((body, i) =>
    transform({
      id: `r${round}-${i}`,
      receiptHandle: "",
      body,
      sentTimestampMs: Date.now(),
      receiveCount: 1,
      receivedAt: new Date(),
    }),
  );
  const sink = new PgSink({ databaseUrl, poolSize: 2 });
  await sink.ensureSchema();
  const batch = 1000;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    [0, 1].map(async () => {
      while (next < outcomes.length) {
        const start = next;
        next += batch;
        await sink.write(outcomes.slice(start, start + batch));
      }
    }),
  );
  const rate = outcomes.length / ((performance.now() - started) / 1000);
  await sink.close();
  return rate;
}

const costs = transformCosts(bodies, KEY);
const results = {
  ceiling: [] as number[],
  splitCeiling: [] as number[],
  endToEnd: [] as number[],
  sink: [] as number[],
  peakRssMb: [] as number[],
};
for (let round = 1; round <= ROUNDS; round++) {
  // Alternate the order so that drift on a shared machine does not favour one measurement.
  const order = round % 2 === 1 ? ["a", "a2", "b", "c"] : ["c", "b", "a2", "a"];
  for (const step of order) {
    if (step === "a") results.ceiling.push(await ceiling(`ceiling-${round}`));
    if (step === "a2") results.splitCeiling.push(await ceiling(`split-ceiling-${round}`, true));
    if (step === "b") {
      const { rate, peakRssMb } = await endToEnd(`e2e-${round}`, 1);
      results.endToEnd.push(rate);
      results.peakRssMb.push(peakRssMb);
    }
    if (step === "c") results.sink.push(await sinkAlone(round));
  }
  process.stdout.write(
    `round ${round}: ceiling ${Math.round(results.ceiling.at(-1) ?? 0)}, two-thread ceiling ${Math.round(results.splitCeiling.at(-1) ?? 0)}, securelog ${Math.round(results.endToEnd.at(-1) ?? 0)}, sink ${Math.round(results.sink.at(-1) ?? 0)}\n`,
  );
}
const scaling: Record<string, number> = {};
// BENCH_SCALING=0 skips the scaling runs (quicker while experimenting).
for (const processes of process.env.BENCH_SCALING === "0" ? [] : [1, 2, 4])
  scaling[processes] = (await endToEnd(`scale-${processes}`, processes)).rate;

const summary = {
  date: new Date().toISOString(),
  messages: N,
  rounds: ROUNDS,
  pollers: POLLERS,
  ceilingPerSecond: Math.round(median(results.ceiling)),
  securelogPerSecond: Math.round(median(results.endToEnd)),
  ratio: Number((median(results.endToEnd) / median(results.ceiling)).toFixed(3)),
  splitCeilingPerSecond: Math.round(median(results.splitCeiling)),
  ratioToSplitCeiling: Number((median(results.endToEnd) / median(results.splitCeiling)).toFixed(3)),
  sinkRowsPerSecond: Math.round(median(results.sink)),
  peakRssMb: Math.max(...results.peakRssMb),
  scalingPerSecond: Object.fromEntries(Object.entries(scaling).map(([k, v]) => [k, Math.round(v)])),
  microsecondsPerMessage: Object.fromEntries(
    Object.entries(costs).map(([k, v]) => [k, Number(v.toFixed(2))]),
  ),
  raw: results,
};
const table = [
  [`(a) ceiling: receive + delete, ${POLLERS} pollers`, `${summary.ceilingPerSecond} msg/s`],
  ["(b) securelog run --until-empty", `${summary.securelogPerSecond} msg/s`],
  ["    ratio (b)/(a)", `${summary.ratio}`],
  ["    peak RSS of (b)", `${summary.peakRssMb} MiB`],
  ["(a2) ceiling, pipelined like SecureLog", `${summary.splitCeilingPerSecond} msg/s`],
  ["    ratio (b)/(a2)", `${summary.ratioToSplitCeiling}`],
  ["(c) sink alone (PgSink from memory)", `${summary.sinkRowsPerSecond} rows/s`],
  ...Object.entries(summary.scalingPerSecond).map(([p, v]) => [
    `scaling: ${p} process(es)`,
    `${v} msg/s (${(v / summary.ceilingPerSecond).toFixed(2)} of (a))`,
  ]),
];
process.stdout.write(`\nmedians of ${ROUNDS} rounds, ${N} messages each\n`);
for (const [label, value] of table) process.stdout.write(`  ${String(label).padEnd(44)} ${value}\n`);
process.stdout.write("\nCPU per message, transform steps in isolation (µs)\n");
for (const [label, value] of [
  ["JSON.parse", costs.jsonParse],
  ["validation (zod shape + rules, includes the parse)", costs.validation],
  ["masking (HMAC of ip and of device_id)", costs.masking],
  ["masking + validation (budget 5)", costs.maskingAndValidation],
  ["whole transform (also create_date, rejections)", costs.wholeTransform],
] as const)
  process.stdout.write(`  ${label.padEnd(52)} ${value.toFixed(2)}\n`);
mkdirSync(new URL("../bench-results/", import.meta.url), { recursive: true });
const file = new URL(`../bench-results/bench-${summary.date.replaceAll(":", "-")}.json`, import.meta.url);
writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
process.stdout.write(`\nwrote ${fileURLToPath(file)}\n`);
client.destroy();
sqs.stop();
const admin = new pg.Client({ connectionString: ADMIN_URL });
await admin.connect();
for (const name of createdDatabases) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
await admin.end();
