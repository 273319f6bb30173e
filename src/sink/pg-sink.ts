import pg from "pg";
import { coerceError, errorCode, SecureLogError } from "../errors.ts";
import type { LoginRow, Outcome, RejectRecord } from "../transform/transform.ts";
import type { RejectReason } from "../transform/validate.ts";
import { ensureTables, type SchemaNeeds } from "./ensure-schema.ts";
import { classifySinkError, databaseUnreachable, describeDatabase, describeSinkError } from "./pg-errors.ts";
import { type RowSink, SinkError, type WriteResult } from "./row-sink.ts";
import { insertNewOutcomes, insertOutcomes } from "./sql/insert-outcomes.ts";
import { type Tables, tablesIn } from "./sql/tables.ts";

/** What `run` needs: its three tables, created when missing. */
export const RUN_NEEDS: SchemaNeeds = { create: ["logins", "rejects", "ledger"], require: [] };

export interface PgSinkOptions {
  readonly databaseUrl: string;
  /** SecureLog's tables, schema-qualified (sql/tables.ts); those in public by default. */
  readonly tables?: Tables;
  /** Connections in the pool; one per concurrent batch write. */
  readonly poolSize: number;
  readonly connectTimeoutMs?: number;
  /** Called with errors of idle connections (a restarted server); without a listener they would crash the process. */
  readonly onIdleError?: (error: Error) => void;
}

/** SQLSTATE unique_violation: a MessageId already in the ledger. */
const UNIQUE_VIOLATION = "23505";

function loginParams(rows: readonly { id: string; row: LoginRow }[]): unknown[] {
  const columns: unknown[][] = [[], [], [], [], [], [], [], []];
  for (const { id, row } of rows) {
    columns[0]?.push(id);
    columns[1]?.push(row.user_id);
    columns[2]?.push(row.device_type);
    columns[3]?.push(row.masked_ip);
    columns[4]?.push(row.masked_device_id);
    columns[5]?.push(row.locale);
    columns[6]?.push(row.app_version);
    columns[7]?.push(row.create_date);
  }
  return columns;
}

function rejectParams(rejects: readonly { id: string; reject: RejectRecord }[]): unknown[] {
  const columns: unknown[][] = [[], [], [], [], [], [], [], []];
  for (const { id, reject } of rejects) {
    columns[0]?.push(id);
    columns[1]?.push(reject.reason);
    columns[2]?.push(reject.receivedAt.toISOString());
    columns[3]?.push(reject.sentAt === null ? null : reject.sentAt.toISOString());
    columns[4]?.push(reject.receiveCount);
    columns[5]?.push(reject.maskedBody === null ? null : JSON.stringify(reject.maskedBody));
    columns[6]?.push(reject.bodyDigest);
    columns[7]?.push(reject.bodyBytes);
  }
  return columns;
}

/**
 * Writes a batch of outcomes, the rows, the rejections and their MessageIds in the ledger, as one statement:
 * one round trip, atomic without BEGIN/COMMIT. A batch holding a redelivered message takes a second statement,
 * the ledger-checked one (sql/insert-outcomes.ts).
 */
export class PgSink implements RowSink {
  readonly #pool: pg.Pool;
  readonly #databaseUrl: string;
  readonly #tables: Tables;
  readonly #insertNew: string;
  readonly #insertChecked: string;

  constructor(options: PgSinkOptions) {
    this.#databaseUrl = options.databaseUrl;
    this.#tables = options.tables ?? tablesIn("public");
    this.#insertNew = insertNewOutcomes(this.#tables);
    this.#insertChecked = insertOutcomes(this.#tables);
    this.#pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      idleTimeoutMillis: 30_000,
      application_name: "securelog",
    });
    this.#pool.on("error", (error) => options.onIdleError?.(error));
  }

  /**
   * Runs `work` on a pooled connection (the sink's own writes, and the administrative commands). node-postgres emits "error" on a checked-out client whose connection
   * drops between queries, and an unheard "error" event kills the process; the same failure also reaches the
   * pending or next query, so the listener only notes it. A client that lost its connection, or failed other
   * than by a server-reported error (which leaves it usable), is destroyed instead of returned to the pool.
   */
  async withConnection<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    let lost: Error | undefined;
    const onError = (error: Error) => {
      lost = error;
    };
    client.on("error", onError);
    let failed: Error | undefined;
    try {
      return await work(client);
    } catch (error) {
      failed = error instanceof pg.DatabaseError ? undefined : coerceError(error);
      throw error;
    } finally {
      client.off("error", onError);
      client.release(lost ?? failed);
    }
  }

  /** Checks (and where allowed creates) the tables a command needs; see ensureTables. */
  async ensureSchema(needs: SchemaNeeds = RUN_NEEDS): Promise<void> {
    try {
      await this.withConnection((client) =>
        ensureTables(client, this.#tables, needs, describeDatabase(this.#databaseUrl)),
      );
    } catch (error) {
      if (error instanceof SecureLogError) throw error;
      if (classifySinkError(error) === "retry") throw databaseUnreachable(this.#databaseUrl, error);
      throw new SecureLogError(
        "schema_failed",
        `cannot check or create SecureLog's tables in ${describeDatabase(this.#databaseUrl)}: ${describeSinkError(error)}`,
        { cause: error },
      );
    }
  }

  async write(outcomes: readonly Outcome[]): Promise<WriteResult> {
    try {
      return await this.#write(outcomes);
    } catch (error) {
      throw new SinkError(classifySinkError(error), errorCode(error), describeSinkError(error), error);
    }
  }

  async #write(outcomes: readonly Outcome[]): Promise<WriteResult> {
    // One MessageId can arrive twice in a batch (two deliveries received close together); the ledger
    // insert would keep one, but the join would then load both, so keep the first here.
    const seen = new Set<string>();
    const rows: { id: string; row: LoginRow }[] = [];
    const rejects: { id: string; reject: RejectRecord }[] = [];
    for (const outcome of outcomes) {
      const id = outcome.message.id;
      if (seen.has(id)) continue;
      seen.add(id);
      if (outcome.kind === "row") rows.push({ id, row: outcome.row });
      else rejects.push({ id, reject: outcome.reject });
    }
    const params = [...loginParams(rows), ...rejectParams(rejects)];
    return this.withConnection(async (client) => {
      try {
        await client.query(this.#insertNew, params);
        const rejected = new Map<RejectReason, number>();
        for (const { reject } of rejects) rejected.set(reject.reason, (rejected.get(reject.reason) ?? 0) + 1);
        return { loaded: rows.length, rejected, duplicates: outcomes.length - rows.length - rejects.length };
      } catch (error) {
        if (errorCode(error) !== UNIQUE_VIOLATION) throw error;
      }
      const result = await client.query<{ reason: RejectReason | null; n: number }>(
        this.#insertChecked,
        params,
      );
      let loaded = 0;
      let rejectedCount = 0;
      const rejected = new Map<RejectReason, number>();
      for (const { reason, n } of result.rows) {
        if (reason === null) loaded = n;
        else {
          rejected.set(reason, n);
          rejectedCount += n;
        }
      }
      return { loaded, rejected, duplicates: outcomes.length - loaded - rejectedCount };
    });
  }

  async ping(): Promise<void> {
    await this.#pool.query("SELECT 1");
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
