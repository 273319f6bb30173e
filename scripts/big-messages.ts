// node scripts/big-messages.ts [--messages N] [--kib 256] [--args="..."]: peak memory of `securelog run --until-empty` on a
// backlog of 256 KiB messages (SQS's classic maximum), fauxqs in a process of its own. One message in ten is a
// rejection (device_type too long); the rest are valid login events padded with an unknown field.
// Results: docs/reliability.md.
import { spawn, spawnSync } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { CreateQueueCommand, SendMessageBatchCommand } from "@aws-sdk/client-sqs";

import { inBatchesOfTen } from "../src/source/batches.ts";
import { generateKeyText } from "../src/transform/mask-key.ts";
import { bigMessage } from "../test/helpers/big-messages.ts";
import { createTestDatabase } from "../test/helpers/postgres.ts";
import { createSqsClient } from "../test/helpers/sdk-client.ts";

const { values } = parseArgs({
  options: {
    messages: { type: "string", default: "20000" },
    kib: { type: "string", default: "256" },
    args: { type: "string", default: "" },
    /** Experiments: start src/cli/entry.ts with these V8 flags instead of the launcher's. */
    "node-flags": { type: "string" },
  },
});
const count = Number(values.messages);
const server = spawn(
  process.execPath,
  ["--max-old-space-size=16000", fileURLToPath(new URL("./bench-sqs-server.ts", import.meta.url))],
  { stdio: ["ignore", "pipe", "inherit"] },
);
const line = (await createInterface({ input: server.stdout })[Symbol.asyncIterator]().next()).value;
const endpoint = new URL(String(line)).origin;
const client = createSqsClient(
  {
    queueUrl: `${endpoint}/000000000000/x`,
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "b", secretAccessKey: "b" },
  },
  { maxSockets: 16, waitTimeSeconds: 0 },
);
const created = await client.send(new CreateQueueCommand({ QueueName: "big" }));
const queueUrl = `${endpoint}${new URL(created.QueueUrl ?? "").pathname}`;
const bytes = Number(values.kib) * 1024;
// Made and sent a thousand at a time: the whole backlog (5 GiB for 20,000) would not fit in this process.
for (let first = 0; first < count; first += 1000) {
  const bodies = Array.from({ length: Math.min(1000, count - first) }, (_, i) =>
    bigMessage(first + i, bytes),
  );
  await Promise.all(
    inBatchesOfTen(bodies, (b) => b.length + 64, 1024 * 1024).map((batch) =>
      client.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((body, n) => ({ Id: String(n), MessageBody: body })),
        }),
      ),
    ),
  );
}
client.destroy();
const db = await createTestDatabase();
const started = performance.now();
const runArgs = [
  "run",
  "--until-empty",
  "--wait-time",
  "1",
  "--queue-url",
  queueUrl,
  "--database-url",
  db.url,
  ...values.args.split(" ").filter((a) => a !== ""),
];
const nodeFlags = values["node-flags"]?.split(" ").filter((a) => a !== "");
const run = spawnSync(
  nodeFlags === undefined
    ? fileURLToPath(new URL("../bin/securelog.mjs", import.meta.url))
    : process.execPath,
  nodeFlags === undefined
    ? runArgs
    : [...nodeFlags, fileURLToPath(new URL("../src/cli/entry.ts", import.meta.url)), ...runArgs],
  {
    env: { PATH: process.env.PATH ?? "", SECURELOG_KEY: generateKeyText(), MALLOC_ARENA_MAX: "2" },
    encoding: "utf8",
  },
);
const seconds = (performance.now() - started) / 1000;
const [outcomes] = await db.query<{ n: string }>(
  "SELECT (SELECT count(*) FROM user_logins) + (SELECT count(*) FROM user_logins_rejects) AS n",
);
const peak = /peak memory \(MiB\)\s+(\d+)/.exec(run.stdout)?.[1];
process.stdout.write(
  `${count} messages of ${values.kib} KiB (${((count * bytes) / 2 ** 30).toFixed(1)} GiB) ${values.args}: exit ${run.status}, ${seconds.toFixed(1)} s, outcomes ${outcomes?.n}, peak RSS ${peak} MiB\n`,
);
if (run.status !== 0) process.stdout.write(run.stderr);
await db.drop();
server.kill("SIGKILL");
