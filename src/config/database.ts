import { ConfigError } from "../errors.ts";
import type { DatabaseConfig } from "../sink/database.ts";
import { SCHEMA_NAME } from "../sink/sql/tables.ts";
import { DEFAULT_DATABASE_URL } from "./options.ts";
import { describeSource, type Env, type Flags, raw, text } from "./settings.ts";

const ENCODE_HINT =
  "a password holding / # ? or @ must be percent-encoded (/ as %2F, # as %23, ? as %3F, @ as %40)";

/**
 * libpq's variables, for a machine set up for psql: with no --database-url or DATABASE_URL, PGHOST, PGPORT,
 * PGUSER and PGDATABASE make the URL (libpq's defaults for what is missing: port 5432, the database named after the
 * user). The password is never put in it: node-postgres reads PGPASSWORD, then ~/.pgpass (or PGPASSFILE), itself,
 * exactly as psql does; PGSSLMODE too.
 */
export function libpqDatabaseUrl(env: Env): string | undefined {
  const { PGHOST: host, PGPORT: port, PGUSER: user, PGDATABASE: database } = env;
  if ([host, port, user, database].every((v) => v === undefined || v === "")) return undefined;
  const u = user || "postgres";
  const db = encodeURIComponent(database || u);
  if (host?.startsWith("/")) {
    // A Unix socket directory: no host in the URL, the directory as a parameter (node-postgres reads it there).
    const params = new URLSearchParams({ host, user: u, ...(port ? { port } : {}) });
    return `postgres:///${db}?${params}`;
  }
  const hostname = host || "localhost";
  return `postgres://${encodeURIComponent(u)}@${hostname.includes(":") ? `[${hostname}]` : hostname}:${port || "5432"}/${db}`;
}

export function loadDatabaseUrl(flags: Flags, env: Env): string {
  const given = raw("database-url", flags, env);
  const fromLibpq = given === undefined ? libpqDatabaseUrl(env) : undefined;
  const value = given ?? fromLibpq ?? DEFAULT_DATABASE_URL;
  const source =
    fromLibpq === undefined ? describeSource("database-url", flags) : "PGHOST / PGPORT / PGUSER / PGDATABASE";
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // Never echo a connection string: it may hold a password.
    throw new ConfigError(`${source} is not a valid postgres:// URL; ${ENCODE_HINT}`, "bad_url");
  }
  // `postgres://u:12/ab@host/db` parses as host "u", port 12 and path "/ab@host/db": part of the password would
  // then show up as the "database" in every message. An @ after the host means exactly that mistake.
  if (`${url.pathname}${url.search}${url.hash}`.includes("@")) {
    throw new ConfigError(`${source} has an @ after the host: ${ENCODE_HINT}`, "bad_url");
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new ConfigError(
      `${source} must start with postgres:// or postgresql:// (got "${url.protocol}//…")`,
      "bad_url",
    );
  }
  return value;
}

export function loadSchema(flags: Flags, env: Env): string {
  const value = text("schema", flags, env);
  if (!SCHEMA_NAME.test(value)) {
    throw new ConfigError(
      `${describeSource("schema", flags)} must be a plain lower-case schema name (letters, digits, _ and $; got "${value}")`,
    );
  }
  return value;
}

/** The database and schema of every command that reads or writes SecureLog's tables. */
export function loadDatabase(flags: Flags, env: Env): DatabaseConfig {
  return { url: loadDatabaseUrl(flags, env), schema: loadSchema(flags, env) };
}
