import pg from "pg";
import { coerceError, SecureLogError } from "../errors.ts";
import type { Outcome, Rejecter } from "../transform/transform.ts";
import { ensureTables, type SchemaNeeds } from "./ensure-schema.ts";
import { checkMaskingSettings, type MaskingSettings } from "./masking-config.ts";
import {
  classifySinkError,
  databaseUnreachable,
  describeDatabase,
  describeSinkError,
  sinkWriteError,
} from "./pg-errors.ts";
import type { RowSink, WriteResult } from "./row-sink.ts";
import { type Tables, tablesIn } from "./sql/tables.ts";
import { type OutcomeStatements, outcomeStatements, writeOutcomes } from "./write-outcomes.ts";

/** What `run` needs: its tables, the erasure register and the masking configuration, created when missing. */
export const RUN_NEEDS: SchemaNeeds = {
  create: [
    "logins",
    "rejects",
    "ledger",
    "erasures",
    "config",
    "feed",
    "rollupState",
    "pairs",
    "totals",
    "daily",
  ],
  require: [],
};

export interface PgSinkOptions {
  readonly databaseUrl: string;
  /** SecureLog's tables, schema-qualified (sql/tables.ts); those in public by default. */
  readonly tables?: Tables;
  /** Builds the rejection that keeps an erased value out (write-outcomes.ts); without it nothing is checked. */
  readonly rejecter?: Rejecter;
  /** Connections in the pool; one per concurrent batch write. */
  readonly poolSize: number;
  readonly connectTimeoutMs?: number;
  /** Called with errors of idle connections (a restarted server); without a listener they would crash the process. */
  readonly onIdleError?: (error: Error) => void;
}

/**
 * A client that always has an 'error' listener. An 'error' event nobody listens to ends the process, and a pooled
 * client goes without one at moments (being handed out, being ended after a failure): CI saw a run die of it while
 * pg_terminate_backend killed its connections. The failure still reaches the query in progress or the next one,
 * which is where it is classified and handled (withConnection destroys the client).
 */
class ListenedClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    this.on("error", () => undefined);
  }
}

/**
 * After a server-reported error the client may still be inside a (now aborted) transaction, whatever `work` meant
 * to do about it: a client returned to the pool like that fails every later statement with 25P02. A ROLLBACK
 * outside a transaction is only a warning, so one is sent; if even that fails, the client's state is unknown and
 * the error returned makes the pool destroy it.
 */
async function settled(client: pg.PoolClient): Promise<Error | undefined> {
  try {
    await client.query("ROLLBACK");
    return undefined;
  } catch (error) {
    return coerceError(error);
  }
}

/**
 * PostgreSQL as the RowSink: a pool, the schema checks, and batches written by writeOutcomes (one transaction:
 * the erasure check, then rows, rejections and ledger entries in one statement). Failures are classified here.
 */
export class PgSink implements RowSink {
  readonly #pool: pg.Pool;
  readonly #databaseUrl: string;
  readonly #tables: Tables;
  readonly #statements: OutcomeStatements;
  readonly #rejecter: Rejecter | undefined;

  constructor(options: PgSinkOptions) {
    this.#databaseUrl = options.databaseUrl;
    this.#tables = options.tables ?? tablesIn("public");
    this.#statements = outcomeStatements(this.#tables);
    this.#rejecter = options.rejecter;
    this.#pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      idleTimeoutMillis: 30_000,
      application_name: "securelog",
      Client: ListenedClient as unknown as new () => pg.ClientBase,
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
      failed = error instanceof pg.DatabaseError ? await settled(client) : coerceError(error);
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
      throw sinkWriteError(error);
    }
  }

  #write(outcomes: readonly Outcome[]): Promise<WriteResult> {
    return this.withConnection((client) => writeOutcomes(client, this.#statements, outcomes, this.#rejecter));
  }

  /** Refuses to mix masking schemes, app_version modes or keys in one table (see checkMaskingSettings). */
  async checkMasking(settings: MaskingSettings): Promise<void> {
    try {
      await this.withConnection((client) => checkMaskingSettings(client, this.#tables, settings));
    } catch (error) {
      if (error instanceof SecureLogError) throw error;
      if (classifySinkError(error) === "retry") throw databaseUnreachable(this.#databaseUrl, error);
      throw new SecureLogError(
        "schema_failed",
        `cannot check the masking configuration in ${describeDatabase(this.#databaseUrl)}: ${describeSinkError(error)}`,
        { cause: error },
      );
    }
  }

  async ping(): Promise<void> {
    await this.#pool.query("SELECT 1");
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
