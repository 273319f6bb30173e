// npm run bench: SecureLog against what the queue delivers and against what teams write instead, every
// contender timed the same way: wall clock from its process's start to its exit (GNU time), CPU (user + sys) and
// peak RSS from the same measurement. fauxqs runs in a process of its own; rounds alternate the order so that the
// machine's drift does not favour anyone; figures are medians. See docs/benchmarks.md.
//
//   (a)  receive + batch delete, no work, a minimal SQS client (scripts/bench/minimal-sqs.ts), 8 pollers
//   (a') the same loop with @aws-sdk/client-sqs
//   (b)  `npx securelog run --until-empty`, defaults, started as users start it
//   (p)  bbc/sqs-consumer, tuned (4 consumers, batches of 10, one unnest INSERT per batch)
//   (n)  the naive per-row loop (one INSERT and one DeleteMessage per message), on BENCH_NAIVE messages
//   (b0) with BENCH_BASELINE=/path/to/other/checkout: that checkout's securelog, started as (b) is (npx in its own
//        directory), for before/after figures
// Then the same through a 20 ms round-trip proxy: (a) at its best poller count among 8-128, and (b) with
// defaults; and an empty queue, `npx securelog run --until-empty`, median of 5, beside `npx securelog --version`
// (what npx and the launcher cost before any command runs).
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { CreateQueueCommand, SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import pg from "pg";
import { inBatchesOfTen } from "../src/source/batches.ts";
import { generateEvents } from "../test/fixtures/sample-events.ts";
import { createSqsClient } from "../test/helpers/sdk-client.ts";
import { startLatencyProxy } from "./bench/latency-proxy.ts";

const N = Number(process.env.BENCH_MESSAGES ?? 50_000);
const NAIVE_N = Number(process.env.BENCH_NAIVE ?? 5_000);
const LATENCY_N = Number(process.env.BENCH_LATENCY_MESSAGES ?? 50_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const BASELINE = process.env.BENCH_BASELINE;
const ADMIN_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const script = (name: string) => fileURLToPath(new URL(`./bench/${name}`, import.meta.url));
function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

interface Timed {
  readonly wall: number;
  readonly cpu: number;
  readonly rssMb: number;
  readonly code: number;
  readonly stdout: string;
}

/** Runs a program under GNU time: wall clock from its start to its exit, user + sys CPU, peak RSS. */
function timed(
  command: string,
  args: readonly string[],
  env: Record<string, string> = {},
  cwd = ROOT,
): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const child = spawn("/usr/bin/time", ["-f", "BENCHTIME %e %U %S %M", command, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.on("error", reject);
    child.on("close", () => {
      const line = stderr.split("\n").find((l) => l.startsWith("BENCHTIME"));
      const [, wall, user, sys, rssKb] = (line ?? "").split(" ").map(Number);
      const exit = Number(/Command exited with non-zero status (\d+)/.exec(stderr)?.[1] ?? 0);
      if (line === undefined || exit !== 0)
        return reject(new Error(`${command} ${args.join(" ")} failed:\n${stderr}`));
      resolve({
        wall: wall ?? 0,
        cpu: (user ?? 0) + (sys ?? 0),
        rssMb: (rssKb ?? 0) / 1024,
        code: exit,
        stdout,
      });
    });
  });
}

async function startSqsServer(): Promise<{ endpoint: string; port: number; stop: () => void }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL("./bench-sqs-server.ts", import.meta.url))], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = (await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next()).value;
  const url = new URL(String(line));
  return { endpoint: url.origin, port: Number(url.port), stop: () => child.kill("SIGTERM") };
}

const sqs = await startSqsServer();
const client = createSqsClient(
  {
    queueUrl: `${sqs.endpoint}/000000000000/x`,
    endpoint: sqs.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
  },
  { maxSockets: 32, waitTimeSeconds: 0 },
);
const bodies = generateEvents(N, { seed: 2024 }).map((e) => e.body);
let queues = 0;

/** A new queue holding `count` of the sample events; its URL through `port` (the proxy's, or fauxqs' own). */
async function filledQueue(count: number, port = sqs.port): Promise<string> {
  const created = await client.send(new CreateQueueCommand({ QueueName: `bench-${++queues}` }));
  const path = new URL(created.QueueUrl ?? "").pathname;
  const direct = `${sqs.endpoint}${path}`;
  const batches = inBatchesOfTen(bodies.slice(0, count));
  for (let i = 0; i < batches.length; i += 32) {
    await Promise.all(
      batches.slice(i, i + 32).map((batch) =>
        client.send(
          new SendMessageBatchCommand({
            QueueUrl: direct,
            Entries: batch.map((body, id) => ({ Id: String(id), MessageBody: body })),
          }),
        ),
      ),
    );
  }
  return `http://127.0.0.1:${port}${path}`;
}

const databases: string[] = [];
async function freshDatabase(): Promise<string> {
  const name = `securelog_bench_${databases.length}_${process.pid}`;
  databases.push(name);
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.href;
}

async function countIn(databaseUrl: string, table: string): Promise<number> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const n = Number((await db.query(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n);
  await db.end();
  return n;
}

const keyOf = async (bin: string) => (await timed(bin, ["keygen"])).stdout.trim();
const KEY = await keyOf("bin/securelog.mjs");
const BASELINE_KEY = BASELINE === undefined ? "" : await keyOf(`${BASELINE}/bin/securelog.mjs`);

type Contender = "a" | "a'" | "b" | "b0" | "p" | "n";
interface Result extends Timed {
  readonly rate: number;
}

/** One timed run of a contender over a freshly filled queue; checks that the work was really done. */
async function run(contender: Contender, count: number, port?: number, pollers = 8): Promise<Result> {
  const queueUrl = await filledQueue(count, port);
  const endpoint = new URL(queueUrl).origin;
  let result: Timed;
  let done: () => Promise<number>;
  if (contender === "a" || contender === "a'") {
    const kind = contender === "a" ? "minimal" : "sdk";
    result = await timed(process.execPath, [script("ceiling.ts"), kind, queueUrl, endpoint, String(pollers)]);
    const received = Number(result.stdout.trim());
    done = async () => received;
  } else if (contender === "b" || contender === "b0") {
    const databaseUrl = await freshDatabase();
    // Both started as users start them, `npx` in their own checkout: npm's start-up (about 0.4 s and 0.5 s of CPU
    // here) is in both figures or in neither.
    const [cwd, key] = contender === "b" ? [ROOT, KEY] : [BASELINE ?? ROOT, BASELINE_KEY];
    result = await timed(
      "npx",
      [
        "--no-install",
        "securelog",
        "run",
        "--until-empty",
        "--quiet",
        "--queue-url",
        queueUrl,
        "--database-url",
        databaseUrl,
      ],
      { SECURELOG_KEY: key },
      cwd,
    );
    done = () => countIn(databaseUrl, "securelog_processed");
  } else {
    const databaseUrl = await freshDatabase();
    const kind = contender === "p" ? "sqs-consumer" : "naive";
    result = await timed(process.execPath, [script("peers.ts"), kind, queueUrl, endpoint, databaseUrl]);
    // Every valid event is a row; the sample's bad ones (4%) the peers skip.
    done = async () => ((await countIn(databaseUrl, "user_logins")) >= count * 0.9 ? count : 0);
  }
  const finished = await done();
  if (finished < count) throw new Error(`${contender} finished ${finished} of ${count} messages`);
  return { ...result, rate: count / result.wall };
}

const results = new Map<Contender, Result[]>();
// BENCH_ONLY=b,b0 times just those (a before/after comparison); the latency and empty-queue parts need all.
const ONLY = process.env.BENCH_ONLY?.split(",");
const order: Contender[] = (
  ["a", "a'", "b", "p", "n", ...(BASELINE === undefined ? [] : (["b0"] as const))] as Contender[]
).filter((c) => ONLY === undefined || ONLY.includes(c));
for (let round = 1; round <= ROUNDS; round++) {
  for (const contender of round % 2 === 1 ? order : [...order].reverse()) {
    const result = await run(contender, contender === "n" ? NAIVE_N : N);
    results.set(contender, [...(results.get(contender) ?? []), result]);
    process.stdout.write(
      `round ${round} ${contender.padEnd(3)} ${Math.round(result.rate).toString().padStart(6)} msg/s  wall ${result.wall.toFixed(2)} s  cpu ${result.cpu.toFixed(2)} s  rss ${Math.round(result.rssMb)} MiB\n`,
    );
  }
}

if (ONLY !== undefined) {
  const medianOf = (c: Contender, f: (r: Result) => number) => median((results.get(c) ?? []).map(f));
  const only = Object.fromEntries(
    order.map((c) => [
      c,
      {
        perSecond: Math.round(medianOf(c, (r) => r.rate)),
        cpuMicrosecondsPerMessage: Math.round(medianOf(c, (r) => (r.cpu / N) * 1e6)),
        peakRssMb: Math.round(medianOf(c, (r) => r.rssMb)),
      },
    ]),
  );
  process.stdout.write(`\n${JSON.stringify({ messages: N, rounds: ROUNDS, medians: only }, null, 2)}\n`);
  await cleanUp();
  process.exit(0);
}

// 20 ms round trip: (a) at each poller count, (b) with defaults.
const proxy = await startLatencyProxy(sqs.port, 10);
const latency: Record<string, number> = {};
for (const pollers of [8, 16, 32, 64, 128]) {
  latency[`a:${pollers}`] = (await run("a", LATENCY_N, proxy.port, pollers)).rate;
  process.stdout.write(
    `20 ms rtt  (a) ${pollers} pollers  ${Math.round(latency[`a:${pollers}`] ?? 0)} msg/s\n`,
  );
}
latency.b = (await run("b", LATENCY_N, proxy.port)).rate;
process.stdout.write(`20 ms rtt  (b) defaults  ${Math.round(latency.b)} msg/s\n`);
proxy.close();

// An empty queue, as users start it.
const emptyQueue = await filledQueue(0);
const emptyDatabase = await freshDatabase();
const empty: number[] = [];
for (let i = 0; i < 5; i++) {
  const r = await timed(
    "npx",
    [
      "--no-install",
      "securelog",
      "run",
      "--until-empty",
      "--queue-url",
      emptyQueue,
      "--database-url",
      emptyDatabase,
    ],
    { SECURELOG_KEY: KEY },
  );
  empty.push(r.wall);
}

// What `npx` itself costs here, for reading the figure above: the same start, and SecureLog only printing its
// version (loaded through its launcher, no command run).
const npxAlone: number[] = [];
for (let i = 0; i < 5; i++)
  npxAlone.push((await timed("npx", ["--no-install", "securelog", "--version"])).wall);

const med = (c: Contender, f: (r: Result) => number) => median((results.get(c) ?? []).map(f));
const rate = (c: Contender) => med(c, (r) => r.rate);
const cpuPerMessage = (c: Contender) => med(c, (r) => (r.cpu / (c === "n" ? NAIVE_N : N)) * 1e6);
const bestA = Math.max(...[8, 16, 32, 64, 128].map((p) => latency[`a:${p}`] ?? 0));
const summary = {
  date: new Date().toISOString(),
  messages: N,
  rounds: ROUNDS,
  perSecond: Object.fromEntries(order.map((c) => [c, Math.round(rate(c))])),
  cpuMicrosecondsPerMessage: Object.fromEntries(order.map((c) => [c, Math.round(cpuPerMessage(c))])),
  peakRssMb: Object.fromEntries(order.map((c) => [c, Math.round(med(c, (r) => r.rssMb))])),
  ratios: {
    "b/a": Number((rate("b") / rate("a")).toFixed(2)),
    "b/a'": Number((rate("b") / rate("a'")).toFixed(2)),
    "b/p": Number((rate("b") / rate("p")).toFixed(2)),
    "b/n": Number((rate("b") / rate("n")).toFixed(1)),
    ...(BASELINE === undefined
      ? {}
      : { "cpu b/b0": Number((cpuPerMessage("b") / cpuPerMessage("b0")).toFixed(2)) }),
  },
  latency20ms: {
    ...Object.fromEntries(Object.entries(latency).map(([k, v]) => [k, Math.round(v)])),
    "b/best a": Number((latency.b / bestA).toFixed(2)),
    // What the link costs each, against its own loopback median above: when the two shares are alike, the
    // ratio above is (b)/(a) on loopback again, and what holds it is CPU, not the round trip.
    "best a/a loopback": Number((bestA / rate("a")).toFixed(2)),
    "b/b loopback": Number((latency.b / rate("b")).toFixed(2)),
  },
  emptyQueueSeconds: { median: Number(median(empty).toFixed(2)), runs: empty },
  npxVersionSeconds: { median: Number(median(npxAlone).toFixed(2)), runs: npxAlone },
};
process.stdout.write(`\n${JSON.stringify(summary, null, 2)}\n`);
mkdirSync(new URL("../bench-results/", import.meta.url), { recursive: true });
const file = new URL(`../bench-results/bench-${summary.date.replaceAll(":", "-")}.json`, import.meta.url);
writeFileSync(file, `${JSON.stringify({ ...summary, raw: Object.fromEntries(results) }, null, 2)}\n`);
process.stdout.write(`wrote ${fileURLToPath(file)}\n`);

await cleanUp();

async function cleanUp(): Promise<void> {
  client.destroy();
  sqs.stop();
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  for (const name of databases) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
