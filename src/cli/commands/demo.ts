import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ENV_FILE_OPTIONS } from "../../config/common-options.ts";
import type { OptionSpec } from "../../config/option-spec.ts";
import { RUN_OPTIONS } from "../../config/options.ts";
import { type Flags, settingsOf } from "../../config/settings.ts";
import { ConfigError } from "../../errors.ts";
import type { Command } from "../command.ts";
import { type CliIo, print } from "../io.ts";
import { ROW_COLUMNS, table } from "../table.ts";

/** The options of `securelog demo`, typed for its settings (settingsOf). */
const OPTIONS = {
  "data-dir": {
    type: "string",
    valueName: "DIR",
    defaultText: "`.securelog/demo`",
    description: "Where the embedded database and the demo key live.",
  },
  fresh: { type: "boolean", description: "Delete DIR's database first, so counts start from zero." },
  keep: {
    type: "boolean",
    description: "Keep the embedded PostgreSQL and SQS up until Ctrl-C, and print how to report on them.",
  },
  "log-level": {
    ...RUN_OPTIONS["log-level"],
    env: [],
    default: "warn",
    description: "Log level of the run.",
  },
  ...ENV_FILE_OPTIONS,
  help: RUN_OPTIONS.help,
  verbose: RUN_OPTIONS.verbose,
} as const satisfies Record<string, OptionSpec>;

export const demo: Command = {
  name: "demo",
  summary:
    "The whole pipeline on an embedded SQS emulator and embedded PostgreSQL, seeded with sample events.",
  about: `Usage: securelog demo [--data-dir DIR] [--fresh] [--keep]

Runs the whole pipeline on this machine with nothing else installed: an in-process SQS emulator (fauxqs) with
queue login-queue seeded from samples/login-events.jsonl, and an embedded PostgreSQL (PGlite, kept in DIR),
both listening on 127.0.0.1 only, with a demo key generated into DIR. Prints the summary and a few masked
rows. With --keep, both stay up until Ctrl-C, and the exact commands to run securelog report (and --html),
stats and psql against them are printed.
It needs the development install (npm ci in a clone): the emulator and PGlite are dev dependencies.`,
  options: OPTIONS,
  run: async (flags, _, io) => {
    await runDemo(flags, io);
    return 0;
  },
};

const SAMPLE_FILE = new URL("../../../samples/login-events.jsonl", import.meta.url);

function readSample(): string[] {
  return readFileSync(SAMPLE_FILE, "utf8")
    .split("\n")
    .filter((line) => line !== "");
}

async function ensureDemoKey(dataDir: string): Promise<string> {
  const { convertLegacyKey, generateKeyText } = await import("../../transform/mask-key.ts");
  const keyFile = join(dataDir, "demo.key");
  if (!existsSync(keyFile)) writeFileSync(keyFile, `${generateKeyText()}\n`, { mode: 0o600, flag: "wx" });
  // A demo key written by an earlier release is in the previous format: convert it, the masks stay the same.
  const text = readFileSync(keyFile, "utf8");
  const converted = convertLegacyKey(text, keyFile);
  if (converted !== text.trim()) writeFileSync(keyFile, `${converted}\n`, { mode: 0o600 });
  return keyFile;
}

async function showResults(databaseUrl: string, io: CliIo): Promise<void> {
  const { default: pg } = await import("pg");
  const { tablesIn } = await import("../../sink/sql/tables.ts");
  const { sampleOfTable } = await import("../../sink/table-contents.ts");
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const sample = await sampleOfTable(client, tablesIn("public"), 5);
    print(io.stdout, "\nA few rows of user_logins (ip and device_id masked with the demo key):");
    print(io.stdout, table(sample.rows, ROW_COLUMNS));
    print(
      io.stdout,
      `\nThe embedded database now holds ${sample.loaded} rows and ${sample.rejected} rejections (every run adds the sample again; --fresh starts over).`,
    );
    print(
      io.stdout,
      "\nWhat the masks are for: `securelog report` finds shared devices, busy addresses, roaming users and version adoption in them. `npm start -- --keep` keeps this database up so you can run it (the exact commands are printed).",
    );
  } finally {
    await client.end();
  }
}

/**
 * `demo --keep`: the embedded database and queue stay up until Ctrl-C (SIGINT or SIGTERM), with the exact commands
 * that read them, so that a newcomer can try the report, the page, stats and psql on the demo's rows.
 */
async function keepServing(
  databaseUrl: string,
  endpoint: string,
  queueUrl: string,
  keyFile: string,
  io: CliIo,
): Promise<void> {
  const db = `--database-url ${databaseUrl}`;
  print(
    io.stdout,
    [
      "",
      "The embedded PostgreSQL and SQS stay up until you press Ctrl-C. In another terminal:",
      `  npx securelog report ${db}`,
      `  npx securelog report --html report.html ${db}`,
      `  npx securelog stats ${db}`,
      `  psql ${databaseUrl} -c 'SELECT * FROM user_logins LIMIT 5'`,
      `  npx securelog run --until-empty --queue-url ${queueUrl} --endpoint ${endpoint} --key-file ${keyFile} ${db}`,
      "(the last one loads whatever you send to the queue; the embedded database takes one connection at a time)",
    ].join("\n"),
  );
  await new Promise<void>((resolveStop) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolveStop();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  print(io.stdout, "stopping the embedded PostgreSQL and SQS (the data stays in the demo's folder)");
}

/**
 * The emulator and PGlite, loaded only here: they weigh tens of megabytes that only the demo needs, and they are
 * development dependencies, absent from a production install (npm ci --omit=dev, the image, the packed tarball).
 */
async function loadEmbedded() {
  try {
    const [postgres, sqs] = await Promise.all([
      import("../../embedded/embedded-postgres.ts"),
      import("../../embedded/embedded-sqs.ts"),
    ]);
    return { startEmbeddedPostgres: postgres.startEmbeddedPostgres, startEmbeddedSqs: sqs.startEmbeddedSqs };
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ERR_MODULE_NOT_FOUND") throw error;
    throw new ConfigError(
      "the demo needs the development install (its SQS emulator and embedded PostgreSQL are dev dependencies): run it from a clone after npm ci, not from a production install",
      "demo_unavailable",
    );
  }
}

/** `securelog demo`: the whole pipeline with nothing installed but this repository's dependencies. */
async function runDemo(flags: Flags, io: CliIo): Promise<void> {
  const { loadRunConfig } = await import("../../config/run-config.ts");
  const { executeRun } = await import("../run.ts");
  const { "data-dir": dataDirFlag, fresh, keep, "log-level": logLevel } = settingsOf(OPTIONS, flags, io.env);
  const dataDir = resolve(io.cwd, typeof dataDirFlag === "string" ? dataDirFlag : ".securelog/demo");
  const pgData = join(dataDir, "pgdata");
  if (fresh) rmSync(pgData, { recursive: true, force: true });
  const { startEmbeddedPostgres, startEmbeddedSqs } = await loadEmbedded();
  const postgres = await startEmbeddedPostgres(pgData);
  const keyFile = await ensureDemoKey(dataDir);
  const sqs = await startEmbeddedSqs();
  try {
    const queueUrl = await sqs.createQueue("login-queue");
    const sample = readSample();
    await sqs.send(queueUrl, sample);
    print(
      io.stdout,
      `Embedded SQS (fauxqs) at ${sqs.endpoint}: queued ${sample.length} sample events on login-queue.`,
    );
    print(
      io.stdout,
      `Embedded PostgreSQL (PGlite) at ${postgres.databaseUrl.replace("postgres://postgres@", "")}, data in ${pgData}.`,
    );
    print(io.stdout, `Masking key: ${keyFile} (generated for this demo).\n`);
    const config = loadRunConfig(
      {
        "queue-url": queueUrl,
        endpoint: sqs.endpoint,
        "database-url": postgres.databaseUrl,
        "key-file": keyFile,
        "until-empty": true,
        "wait-time": "1",
        "log-level": logLevel,
      },
      {},
    );
    // PGlite executes one statement at a time: a second writer would only wait.
    await executeRun(config, io, 1);
    await showResults(postgres.databaseUrl, io);
    if (keep) await keepServing(postgres.databaseUrl, sqs.endpoint, queueUrl, keyFile, io);
  } finally {
    await sqs.stop();
    await postgres.stop();
  }
}
