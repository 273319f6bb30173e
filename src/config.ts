/**
 * The only module that reads process.env. Every setting resolves as: command-line flag > environment variable >
 * default, is validated here, and ends up in one frozen, typed Config. Defaults match the classic local stack
 * (LocalStack on 4566 with `login-queue`, PostgreSQL on 5432).
 */
import { readFileSync, statSync } from "node:fs";
import { z } from "zod";
import {
  DEFAULT_DATABASE_URL,
  DEFAULT_QUEUE_URL,
  type OptionSpec,
  parseWhole,
  RUN_OPTIONS,
} from "./config-options.ts";
import { ConfigError } from "./errors.ts";
import type { DatabaseConfig } from "./sink/database.ts";
import { SCHEMA_NAME } from "./sink/sql/tables.ts";
import type { AppVersionMode } from "./transform/app-version.ts";
import type { MaskConfig } from "./transform/mask.ts";
import { type KeyRing, keyRing, type MaskKey, parseKeyList } from "./transform/mask-key.ts";

export type Env = Readonly<Record<string, string | undefined>>;
export type Flags = Readonly<Record<string, string | boolean | undefined>>;

export {
  DEFAULT_DATABASE_URL,
  DEFAULT_QUEUE_URL,
  MIN_VISIBILITY_TIMEOUT_SECONDS,
  type OptionSpec,
  RUN_OPTIONS,
} from "./config-options.ts";

export interface SqsConfig {
  readonly queueUrl: string;
  readonly endpoint: string | undefined;
  readonly region: string;
  /** Present only for a local endpoint without configured credentials; otherwise the SDK's chain decides. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined;
}

export interface RunConfig {
  readonly sqs: SqsConfig;
  readonly databaseUrl: string;
  /** Schema of SecureLog's tables. */
  readonly schema: string;
  readonly mask: MaskConfig;
  readonly appVersion: AppVersionMode;
  /** Concurrent receives: pinned when given (--concurrency), else adaptive from 8 up to maxConcurrency. */
  readonly concurrency: number;
  readonly pinnedConcurrency: boolean;
  readonly maxConcurrency: number;
  readonly waitTimeSeconds: number;
  /** The lease each received message gets (DEFAULT_LEASE_SECONDS), extended by the heartbeat while held. */
  readonly visibilityTimeoutSeconds: number;
  readonly batchSize: number;
  readonly maxInFlight: number;
  /** The same bound in MiB of message bodies. */
  readonly maxInFlightMb: number;
  readonly maxRetryTimeMs: number;
  readonly shutdownTimeoutMs: number;
  /** How often to fold loaded rows into the report's rollups (report/fold-timer.ts); 0: never (always in a drain). */
  readonly foldEveryMs: number;
  readonly untilEmpty: boolean;
  /** Read, transform and report, write nothing, return the messages (cli/dry-run.ts). */
  readonly dryRun: boolean;
  /** --json: the summary (or the dry run's report) as one JSON document on stdout. */
  readonly json: boolean;
  readonly logLevel: LogLevel;
  /** Port of /metrics, /healthz and /readyz; undefined: no server. */
  readonly metricsPort: number | undefined;
  readonly metricsHost: string;
  readonly quiet: boolean;
}

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

type RunOptionName = keyof typeof RUN_OPTIONS;

function raw(name: RunOptionName, flags: Flags, env: Env): string | undefined {
  const flag = flags[name];
  if (typeof flag === "string") return flag;
  const spec: OptionSpec = RUN_OPTIONS[name];
  for (const variable of spec.env ?? []) {
    const value = env[variable];
    if (value !== undefined && value !== "") return value;
  }
  return undefined;
}

function describeSource(name: RunOptionName, flags: Flags): string {
  const spec: OptionSpec = RUN_OPTIONS[name];
  return typeof flags[name] === "string" || spec.env === undefined
    ? `--${name}`
    : `--${name} / ${spec.env.join(" / ")}`;
}

/** A whole-number option of run: flag, else environment, else the default its spec declares (or `fallback`). */
function integer(name: RunOptionName, flags: Flags, env: Env, fallback?: number): number {
  const spec: OptionSpec = RUN_OPTIONS[name];
  const value = raw(name, flags, env);
  if (value !== undefined) return parseWhole(spec, describeSource(name, flags), value);
  const chosen = fallback ?? spec.integer?.default;
  if (chosen === undefined) throw new Error(`--${name} has no default`);
  return chosen;
}

function choice<const T extends string>(
  name: RunOptionName,
  flags: Flags,
  env: Env,
  allowed: readonly T[],
  fallback: T,
): T {
  const value = raw(name, flags, env);
  if (value === undefined) return fallback;
  const parsed = z.enum(allowed).safeParse(value);
  if (!parsed.success) {
    throw new ConfigError(
      `${describeSource(name, flags)} must be one of ${allowed.join(", ")} (got "${value}")`,
    );
  }
  return parsed.data;
}

/** `label` names where the value came from (`--queue-url / SQS_QUEUE_URL`, `--from-dlq`). */
function httpUrl(label: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${label} is not a valid URL (got "${value}")`, "bad_url");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(`${label} must be an http:// or https:// URL (got "${value}")`, "bad_url");
  }
  return url;
}

const LOCAL_HOSTS = new Set(["localhost", "localstack", "host.docker.internal", "[::1]", "0.0.0.0"]);

/** A local emulator (LocalStack, fauxqs) accepts any credentials; real AWS never is "local". */
export function isLocalEndpoint(url: URL): boolean {
  const host = url.hostname;
  return LOCAL_HOSTS.has(host) || host.endsWith(".localhost") || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The endpoint implied by a non-AWS queue URL. Emulators name queues `sqs.<region>.localhost:<port>`; RFC 6761
 * makes every `*.localhost` name loopback, but the system resolver may not know that, so ask `localhost`.
 */
function localOrigin(queueUrl: URL): URL {
  const origin = new URL(queueUrl.origin);
  if (origin.hostname.endsWith(".localhost")) origin.hostname = "localhost";
  return origin;
}

function isAwsHost(url: URL): boolean {
  return url.hostname.endsWith(".amazonaws.com") || url.hostname.endsWith(".amazonaws.com.cn");
}

/**
 * SQS settings for the queue of --queue-url, or for another queue given as `queue` (replay's --from-dlq): its
 * errors then name that option, not --queue-url.
 */
export function loadSqsConfig(
  flags: Flags,
  env: Env,
  queue?: { readonly url: string; readonly option: string },
): SqsConfig {
  const queueUrlText = queue?.url ?? raw("queue-url", flags, env) ?? DEFAULT_QUEUE_URL;
  const queueLabel = queue === undefined ? describeSource("queue-url", flags) : `--${queue.option}`;
  const queueUrl = httpUrl(queueLabel, queueUrlText);
  const segments = queueUrl.pathname.split("/").filter((s) => s !== "");
  // LocalStack also names queues path-style: http://localhost:4566/queue/<region>/<account-id>/<queue-name>.
  const pathStyle = segments.length === 4 && segments[0] === "queue" && !isAwsHost(queueUrl);
  if (segments.length !== 2 && !pathStyle) {
    throw new ConfigError(
      `${queueLabel} must look like https://sqs.<region>.amazonaws.com/<account-id>/<queue-name> (or, for LocalStack, http://localhost:4566/queue/<region>/<account-id>/<queue-name>) (got "${queueUrlText}")`,
      "bad_url",
    );
  }
  const endpointText = raw("endpoint", flags, env);
  const endpoint =
    endpointText !== undefined
      ? httpUrl(describeSource("endpoint", flags), endpointText)
      : isAwsHost(queueUrl)
        ? undefined
        : localOrigin(queueUrl);
  const regionFromHost = /^sqs\.([a-z0-9-]+)\.amazonaws\.com/.exec(queueUrl.hostname)?.[1];
  const regionFromPath = pathStyle ? segments[1] : undefined;
  const region = raw("region", flags, env) ?? regionFromHost ?? regionFromPath ?? "us-east-1";
  if (!/^[a-z0-9-]+$/.test(region)) {
    throw new ConfigError(`${describeSource("region", flags)} is not a valid AWS region (got "${region}")`);
  }
  const hasCredentials =
    env.AWS_ACCESS_KEY_ID !== undefined ||
    env.AWS_PROFILE !== undefined ||
    env.AWS_WEB_IDENTITY_TOKEN_FILE !== undefined;
  const credentials =
    endpoint !== undefined && isLocalEndpoint(endpoint) && !hasCredentials
      ? { accessKeyId: "test", secretAccessKey: "test" }
      : undefined;
  return Object.freeze({
    queueUrl: queueUrl.href,
    endpoint: endpoint === undefined ? undefined : endpoint.origin,
    region,
    credentials,
  });
}

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
  const value = raw("schema", flags, env) ?? "public";
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

const KEY_HELP = "Create one with `securelog keygen` and set SECURELOG_KEY, or pass --key-file";

function readKeyFile(keyFile: string): string {
  let mode: number;
  let text: string;
  try {
    mode = statSync(keyFile).mode;
    text = readFileSync(keyFile, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code ?? "unreadable";
    throw new ConfigError(`cannot read the key file ${keyFile} (${code}). ${KEY_HELP}.`, "missing_key");
  }
  if ((mode & 0o077) !== 0) {
    throw new ConfigError(
      `the key file ${keyFile} is readable by group or others (mode ${(mode & 0o777).toString(8)}); run: chmod 600 ${keyFile}`,
      "insecure_key_file",
    );
  }
  return text;
}

/**
 * One syntax for several keys, in a key file and in SECURELOG_KEY alike: keys separated by new lines, commas or
 * spaces, the current key first, previous keys after it (accepted by reveal, forget, rekey and replay, never used
 * to mask new values). SECURELOG_PREVIOUS_KEYS, when set, adds more previous keys.
 */
export function loadKeyRing(flags: Flags, env: Env): KeyRing {
  const keyFile = raw("key-file", flags, env);
  let keys: MaskKey[];
  if (keyFile !== undefined) {
    keys = parseKeyList(readKeyFile(keyFile), `key file ${keyFile}`);
    if (keys.length === 0)
      throw new ConfigError(`the key file ${keyFile} holds no key. ${KEY_HELP}.`, "missing_key");
  } else {
    const fromEnv = env.SECURELOG_KEY;
    if (fromEnv === undefined || fromEnv.trim() === "") {
      throw new ConfigError(
        `no masking key configured. ${KEY_HELP} (or choose --mask sha256, which is weak).`,
        "missing_key",
      );
    }
    keys = parseKeyList(fromEnv, "SECURELOG_KEY");
  }
  const previous = env.SECURELOG_PREVIOUS_KEYS;
  const older = previous === undefined ? [] : parseKeyList(previous, "SECURELOG_PREVIOUS_KEYS");
  const [current, ...rest] = keys;
  if (current === undefined) throw new ConfigError(`no masking key configured. ${KEY_HELP}.`, "missing_key");
  return keyRing(current, [...rest, ...older]);
}

export function loadMaskConfig(flags: Flags, env: Env): MaskConfig {
  const mode = choice("mask", flags, env, ["hmac", "encrypt", "sha256"], "hmac");
  return mode === "sha256" ? { mode } : { mode, keys: loadKeyRing(flags, env) };
}

export function loadRunConfig(flags: Flags, env: Env): RunConfig {
  const untilEmpty = flags["until-empty"] === true;
  const config: RunConfig = {
    sqs: loadSqsConfig(flags, env),
    databaseUrl: loadDatabaseUrl(flags, env),
    schema: loadSchema(flags, env),
    mask: loadMaskConfig(flags, env),
    appVersion: choice("app-version", flags, env, ["major", "packed"], "major"),
    concurrency: integer("concurrency", flags, env),
    pinnedConcurrency: raw("concurrency", flags, env) !== undefined,
    // 128 pollers bring up to 12,800 messages a second over 100 ms round trips.
    maxConcurrency: integer("max-concurrency", flags, env),
    // A drain short-polls: the run ends one empty receive after the last message (see Pipeline).
    waitTimeSeconds: integer("wait-time", flags, env, untilEmpty ? 0 : undefined),
    visibilityTimeoutSeconds: integer("visibility-timeout", flags, env),
    // 1,000 rows per unnest statement load ~155k rows/s here, 500 only ~123k (docs/benchmarks.md).
    batchSize: integer("batch-size", flags, env),
    // Bounded so that held messages (about 2 KB each) stay well inside the launcher's 160 MB old-space cap.
    maxInFlight: integer("max-in-flight", flags, env),
    // 256 KiB messages (SQS's maximum) would fill the 160 MB heap long before 2,000 of them; login events
    // (about 200 bytes) never reach this bound (docs/reliability.md).
    maxInFlightMb: integer("max-in-flight-mb", flags, env),
    maxRetryTimeMs: integer("max-retry-time", flags, env) * 1000,
    // Kubernetes' default grace period is 30 s; finishing within it avoids a SIGKILL.
    shutdownTimeoutMs: integer("shutdown-timeout", flags, env) * 1000,
    // A drain ends when the queue is empty: the report folds what it loaded.
    foldEveryMs: untilEmpty ? 0 : integer("fold-every", flags, env) * 1000,
    untilEmpty,
    dryRun: flags["dry-run"] === true,
    json: flags.json === true,
    logLevel: choice("log-level", flags, env, LOG_LEVELS, "info"),
    metricsPort:
      raw("metrics-port", flags, env) === undefined ? undefined : integer("metrics-port", flags, env),
    metricsHost: raw("metrics-host", flags, env) ?? "0.0.0.0",
    quiet: flags.quiet === true,
  };
  return Object.freeze(config);
}

/** The full process environment, for the entry point to hand to the loaders above. */
export function processEnv(): Env {
  return process.env;
}
