import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { it } from "node:test";
import pg from "pg";

/** The real server the integration tests use; CI starts it. */
export const ADMIN_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  query<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Every row of every table as text, for PII greps. */
  dump(): Promise<string>;
  /** Drops the database, unless the test failed: then it is kept for inspection and its name printed. */
  /** Drops the database, or keeps it (and says so, naming the failed tests) when `keep`. */
  drop(keep?: boolean, failedTests?: string): Promise<void>;
}

/** A throwaway database per test file, so files run in parallel without sharing state. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `securelog_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.href, max: 2 });
  pool.on("error", () => undefined);
  return {
    url: url.href,
    name,
    async query(sql, params) {
      return (await pool.query(sql, params)).rows;
    },
    async dump() {
      const tables = await pool.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
      );
      const parts: string[] = [];
      for (const { table_name } of tables.rows) {
        const rows = await pool.query<{ r: string }>(`SELECT row_to_json(t)::text AS r FROM ${table_name} t`);
        parts.push(...rows.rows.map((row) => row.r));
      }
      return parts.join("\n");
    },
    async drop(keep = false, failedTests = "") {
      await pool.end();
      if (keep) {
        process.stderr.write(
          `kept test database ${name} for inspection${failedTests === "" ? "" : ` (failed: ${failedTests})`}\n`,
        );
        return;
      }
      const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A test with a database of its own, dropped unless the test failed (then kept, and named, for inspection). */
export function itWithDatabase(name: string, body: (db: TestDatabase) => Promise<void>): void {
  it(name, async () => {
    const db = await createTestDatabase();
    let passed = false;
    try {
      await body(db);
      passed = true;
    } finally {
      await db.drop(!passed);
    }
  });
}

/**
 * For a describe() whose tests share one database: `check` runs a test and notes a failure, `keep()` says whether
 * to keep the database for inspection when the suite ends (pass it to drop).
 */
export function failureTracker(): {
  check: (name: string, body: () => Promise<void>) => void;
  keep: () => boolean;
} {
  let failed = false;
  return {
    check: (name, body) =>
      it(name, async () => {
        try {
          await body();
        } catch (error) {
          failed = true;
          throw error;
        }
      }),
    keep: () => failed,
  };
}

/** Connection arguments of psql and pg_dump for a database URL (trust auth: no password). */
function clientArgs(databaseUrl: string): string[] {
  const url = new URL(databaseUrl);
  return ["-h", url.hostname, "-p", url.port || "5432", "-U", url.username || "postgres"];
}

/** A plain-SQL pg_dump of the database, as an operator's backup would be. */
export function pgDump(databaseUrl: string): string {
  const dump = spawnSync(
    "pg_dump",
    [...clientArgs(databaseUrl), "--no-owner", new URL(databaseUrl).pathname.slice(1)],
    {
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (dump.status !== 0) throw new Error(`pg_dump failed: ${dump.stderr}`);
  return dump.stdout;
}

/** Restores a plain-SQL dump into the database with psql, stopping at the first error. */
export function pgRestore(databaseUrl: string, dump: string): void {
  const psql = spawnSync(
    "psql",
    ["-q", "-v", "ON_ERROR_STOP=1", ...clientArgs(databaseUrl), "-d", new URL(databaseUrl).pathname.slice(1)],
    { input: dump, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  if (psql.status !== 0) throw new Error(`psql failed: ${psql.stderr}`);
}

export interface TestRole {
  readonly name: string;
  /** The database's URL, logging in as this role. */
  readonly url: string;
  /** Drops what the role owns in the database, then the role. */
  drop(): Promise<void>;
}

/**
 * A login role with per-role settings (`statement_timeout`…). Roles belong to the whole server, so the name is
 * unique; `databaseUrl` is the database it is meant for.
 */
export async function createTestRole(
  databaseUrl: string,
  prefix: string,
  settings: Record<string, string> = {},
): Promise<TestRole> {
  const name = `${prefix}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE ROLE ${name} LOGIN`);
    for (const [setting, value] of Object.entries(settings))
      await admin.query(`ALTER ROLE ${name} SET ${setting} = '${value}'`);
  } finally {
    await admin.end();
  }
  const url = new URL(databaseUrl);
  url.username = name;
  return {
    name,
    url: url.href,
    async drop() {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        await client.query(`DROP OWNED BY ${name}`).catch(() => undefined);
        await client.query(`DROP ROLE IF EXISTS ${name}`);
      } finally {
        await client.end();
      }
    },
  };
}
