/**
 * The fuzz property over the whole path: hostile messages, as SQS hands them over, go through the real
 * attribute handling, the real pipeline (batching, isolation, fallbacks), the real transform and the real
 * PostgreSQL sink. For every batch: nothing throws, the run goes on, every message has exactly one committed
 * outcome (one ledger entry, one row or one rejection) and is deleted once, and no raw ip or device id reaches
 * a table.
 */
import assert from "node:assert/strict";
import pg from "pg";
import { RunSummary } from "../../src/ops/summary.ts";
import { BatchWriter } from "../../src/pipeline/batch-writer.ts";
import { createPipelineEvents } from "../../src/pipeline/events.ts";
import { Pipeline } from "../../src/pipeline/pipeline.ts";
import { countErasure } from "../../src/sink/erase.ts";
import { PgSink } from "../../src/sink/pg-sink.ts";
import { recordErasure } from "../../src/sink/sql/erasures.ts";
import { tablesIn } from "../../src/sink/sql/tables.ts";
import type { DeleteResult, MessageSource, SourceMessage } from "../../src/source/message.ts";
import { verifyOriginalId } from "../../src/source/replay-id.ts";
import { toSourceMessage } from "../../src/source/sqs-source.ts";
import { erasureTarget } from "../../src/transform/erasure.ts";
import { keyFromBytes, keyRing, type MaskKey } from "../../src/transform/mask-key.ts";
import { unwrapSns } from "../../src/transform/sns-envelope.ts";
import { transformsFor } from "../../src/transform/transform.ts";
import { testPipelineOptions } from "../helpers/memory.ts";
import { asSqsMessages, ERASED, FORGED_SNS_ID, type HostileMessage } from "./hostile.ts";

/** LEAK_PATTERN (hostile.ts) as a PostgreSQL regular expression. */
const LEAK_SQL = String.raw`10\.77\.[0-9]{1,3}\.[0-9]{1,3}|fd77:abcd:|PII-[0-9]{6}-DEV`;

/** A queue in memory holding exactly the given messages; records what was deleted. */
class ListSource implements MessageSource {
  readonly deleted: string[] = [];
  #pending: SourceMessage[];

  constructor(messages: readonly SourceMessage[]) {
    this.#pending = [...messages];
  }

  async receive(): Promise<readonly SourceMessage[]> {
    return this.#pending.splice(0, 10);
  }

  async delete(messages: readonly SourceMessage[]): Promise<DeleteResult> {
    this.deleted.push(...messages.map((m) => m.id));
    return { deleted: messages.length, failed: [] };
  }
}

/** The event inside one of the generator's forged envelopes (FORGED_SNS_ID), or undefined for any other body. */
function forgedEnvelopeEvent(body: string): string | undefined {
  const envelope = unwrapSns(body);
  return envelope.snsMessageId === FORGED_SNS_ID ? envelope.body : undefined;
}

export interface FuzzTotals {
  runs: number;
  messages: number;
  loaded: number;
  rejected: Map<string, number>;
}

export interface WholePath {
  /** Runs one batch through the pipeline and checks it; throws (an assertion) when a promise is broken. */
  check(messages: readonly HostileMessage[], batchSize: number): Promise<void>;
  /** Scans every table for raw values of the generator's shapes. */
  checkNoLeak(): Promise<void>;
  readonly totals: FuzzTotals;
  close(): Promise<void>;
}

export async function wholePath(databaseUrl: string, mode: "hmac" | "encrypt" = "hmac"): Promise<WholePath> {
  const key: MaskKey = keyFromBytes(Buffer.alloc(32, 0x5a));
  // The real transform, with the erasure digests the sink checks against the register: one value is erased
  // before fuzzing starts, so that the check has something to find.
  const { transform, reject } = transformsFor({ mode, keys: keyRing(key, []) }, "packed");
  const sink = new PgSink({ databaseUrl, poolSize: 1, rejecter: reject });
  await sink.ensureSchema();
  const writer = new BatchWriter(sink, transform, reject);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const keys = keyRing(key, []);
  const erasures = (["ip", "device_id"] as const).map((field) => erasureTarget(keys, field, ERASED[field]));
  for (const target of erasures) {
    const { digests = [], masks = [] } = target.register ?? {};
    await client.query(recordErasure(tablesIn("public")), [digests, masks, target.field, digests[0]]);
  }
  const totals: FuzzTotals = { runs: 0, messages: 0, loaded: 0, rejected: new Map() };
  const forgedEvents = new Set<string>();
  const count = async (sql: string, params: unknown[]) =>
    Number((await client.query<{ n: string }>(sql, params)).rows[0]?.n);

  return {
    totals,
    async check(messages, batchSize) {
      const runTag = `fuzz${totals.runs++}`;
      const received = asSqsMessages(messages, runTag, key).map((m) =>
        toSourceMessage(m, new Date(), (attribute, body) => verifyOriginalId([key], attribute, body)),
      );
      const ids = received.map((m) => m?.id);
      // Forged envelopes (one SNS MessageId over many events) are duplicates only when their event is one already
      // stored under that id: the same content, in this batch or an earlier one.
      let expectedDuplicates = 0;
      for (const m of messages) {
        const event = forgedEnvelopeEvent(m.body);
        if (event === undefined) continue;
        if (forgedEvents.has(event)) expectedDuplicates++;
        forgedEvents.add(event);
      }
      assert.ok(received.every((m) => m !== undefined));
      // The ledger keys these messages take (an SNS envelope's is not its SQS id): the counts below look them up by
      // key, so each batch costs the same however large the tables have grown.
      const keys = [...new Set(received.flatMap((m) => (m === undefined ? [] : [transform(m).ledgerId])))];
      const ledgerCount = () =>
        count("SELECT count(*) AS n FROM securelog_processed WHERE message_id = ANY($1)", [keys]);
      const rejectCount = () =>
        count("SELECT count(*) AS n FROM user_logins_rejects WHERE message_id = ANY($1)", [keys]);
      const before = { ledger: await ledgerCount(), rejects: await rejectCount() };
      assert.equal(new Set(ids).size, ids.length, "distinct SQS messages keep distinct ledger ids");
      const source = new ListSource(received.filter((m) => m !== undefined));
      const events = createPipelineEvents();
      const summary = new RunSummary(events);
      const isolated: string[] = [];
      events.on("isolated", (reason, detail) => isolated.push(`${reason} (${detail})`));
      const pipeline = new Pipeline(
        { source, acknowledger: source, writer, events },
        testPipelineOptions({ batchSize, maxInFlight: 1000, maxRetryTimeMs: 5000 }),
      );
      await pipeline.run(); // rejects if anything in a message stopped it
      // Validation and sanitising are meant to leave PostgreSQL nothing to refuse: isolation and the minimal
      // rejection are a safety net, and the fuzzer reports any message that needed them.
      assert.deepEqual(isolated, [], "PostgreSQL refused a row or a rejection");
      const c = summary.counts();
      assert.equal(
        c.duplicates,
        expectedDuplicates,
        "no forged SNS MessageId or copied replay id makes a different event a duplicate",
      );
      assert.equal(c.loaded + c.rejected, messages.length - expectedDuplicates, "one outcome per message");
      assert.deepEqual(
        [...source.deleted].sort(),
        [...ids].sort(),
        "each message deleted once, after its commit",
      );
      assert.equal(
        (await ledgerCount()) - before.ledger,
        messages.length - expectedDuplicates,
        "one ledger entry per message",
      );
      assert.equal((await rejectCount()) - before.rejects, c.rejected, "one rejection per rejected message");
      assert.equal(
        await count(
          "SELECT count(*) AS n FROM user_logins_rejects WHERE message_id = ANY($1) AND masked_body::text ~* $2",
          [keys, LEAK_SQL],
        ),
        0,
        "no raw ip or device id in a stored rejection",
      );
      totals.messages += messages.length;
      totals.loaded += c.loaded;
      for (const [reason, n] of Object.entries(c.rejectedByReason))
        totals.rejected.set(reason, (totals.rejected.get(reason) ?? 0) + n);
    },
    async checkNoLeak() {
      const rows = await count(
        `SELECT count(*) AS n FROM user_logins
         WHERE concat_ws(' ', user_id, device_type, masked_ip, masked_device_id, locale) ~* $1`,
        [LEAK_SQL],
      );
      const rejects = await count(
        "SELECT count(*) AS n FROM user_logins_rejects WHERE concat_ws(' ', masked_body::text, reason, body_digest) ~* $1",
        [LEAK_SQL],
      );
      assert.deepEqual({ rows, rejects }, { rows: 0, rejects: 0 }, "raw ip or device id found in a table");
      // The erased values, sent in every position and spelling (hostile.ts), were never stored again: what
      // `forget --dry-run` would find is nothing.
      for (const target of erasures) {
        const { matches } = await countErasure(client, tablesIn("public"), target);
        assert.deepEqual([...matches.entries()], [], `the erased ${target.field} was stored again`);
      }
    },
    async close() {
      await client.end();
      await sink.close();
    },
  };
}
