// The peers of `npm run bench`: what teams write instead of SecureLog, doing the same job (parse, check the
// fields, HMAC-mask ip and device_id, insert into user_logins, delete from the queue), without SecureLog's
// guarantees (no ledger, no rejection records).
//   node scripts/bench/peers.ts sqs-consumer QUEUE_URL ENDPOINT DATABASE_URL  — (p) bbc/sqs-consumer, tuned: four
//     consumers, batches of ten, one unnest INSERT per batch
//   node scripts/bench/peers.ts naive QUEUE_URL ENDPOINT DATABASE_URL        — (n) the per-row loop: one INSERT
//     and one DeleteMessage per message
import { createHmac, createSecretKey, randomBytes } from "node:crypto";
import { DeleteMessageCommand, type Message, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import pg from "pg";
import { Consumer } from "sqs-consumer";
import { createSqsClient } from "../../test/helpers/sdk-client.ts";

const [kind, queueUrl = "", endpoint = "", databaseUrl = ""] = process.argv.slice(2);
const client = createSqsClient(
  {
    queueUrl,
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
  },
  { maxSockets: 16, waitTimeSeconds: 0 },
);
const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
await pool.query(`CREATE TABLE IF NOT EXISTS user_logins(
    user_id varchar(128), device_type varchar(32), masked_ip varchar(256),
    masked_device_id varchar(256), locale varchar(32), app_version integer, create_date date)`);
const key = createSecretKey(randomBytes(32));
const mask = (field: string, value: string) =>
  createHmac("sha256", key).update(`${field}\u001f${value}`).digest("hex");
const today = new Date().toISOString().slice(0, 10);

function row(message: Message): unknown[] | undefined {
  try {
    const e = JSON.parse(message.Body ?? "") as Record<string, unknown>;
    const text = (v: unknown, max: number): v is string =>
      typeof v === "string" && v.length <= max && !v.includes("\u0000");
    if (!text(e.user_id, 128) || !text(e.device_type, 32) || !text(e.ip, 64) || !text(e.device_id, 160))
      return undefined;
    if (e.locale !== null && e.locale !== undefined && !text(e.locale, 32)) return undefined;
    const version = Number.parseInt(String(e.app_version), 10);
    if (!Number.isInteger(version)) return undefined;
    return [
      e.user_id,
      String(e.device_type),
      mask("ip", e.ip),
      mask("device_id", e.device_id),
      e.locale ?? null,
      version,
      today,
    ];
  } catch {
    return undefined;
  }
}

const INSERT_ONE = `INSERT INTO user_logins VALUES ($1, $2, $3, $4, $5, $6, $7)`;
const INSERT_MANY = `INSERT INTO user_logins SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],
  $5::text[], $6::int[], $7::date[])`;

if (kind === "naive") {
  for (;;) {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
    );
    if (Messages.length === 0) break;
    for (const message of Messages) {
      const values = row(message);
      if (values !== undefined) await pool.query(INSERT_ONE, values);
      await client.send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
      );
    }
  }
} else {
  const consumers = Array.from({ length: 4 }, () =>
    Consumer.create({
      queueUrl,
      sqs: client,
      batchSize: 10,
      waitTimeSeconds: 0,
      pollingWaitTimeMs: 0,
      handleMessageBatch: async (messages) => {
        const rows = messages.map(row).filter((r) => r !== undefined);
        const columns = Array.from({ length: 7 }, (_, c) => rows.map((r) => r[c]));
        if (rows.length > 0) await pool.query(INSERT_MANY, columns);
        return messages;
      },
    }),
  );
  await Promise.all(
    consumers.map(
      (consumer) =>
        new Promise<void>((resolve) => {
          consumer.once("empty", () => {
            consumer.stop();
            resolve();
          });
          consumer.start();
        }),
    ),
  );
  // The batches in their handlers when the queue came back empty finish before the process ends.
  await new Promise((resolve) => setTimeout(resolve, 200));
}
await pool.end();
client.destroy();
