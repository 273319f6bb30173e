/**
 * Every option of `securelog run`: its flag, environment variables and default, described once. The help text
 * and the README's reference table (checked by a test) follow this table; src/config.ts reads and validates.
 */
export interface OptionSpec {
  readonly type: "string" | "boolean";
  readonly env?: readonly string[];
  /** Shown in --help; a description of the default, never a secret. */
  readonly defaultText?: string;
  readonly valueName?: string;
  readonly description: string;
}

export const DEFAULT_QUEUE_URL = "http://localhost:4566/000000000000/login-queue";
export const DEFAULT_DATABASE_URL = "postgres://postgres@localhost:5432/postgres";

/** Options of `securelog run`; the help text and the README's reference table are generated from this. */
export const RUN_OPTIONS = {
  "queue-url": {
    type: "string",
    env: ["SQS_QUEUE_URL"],
    valueName: "URL",
    defaultText: DEFAULT_QUEUE_URL,
    description: "SQS queue to consume.",
  },
  endpoint: {
    type: "string",
    env: ["AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL"],
    valueName: "URL",
    defaultText: "the queue URL's origin when it is not an AWS host; AWS otherwise",
    description: "SQS endpoint (LocalStack, fauxqs, a VPC endpoint).",
  },
  region: {
    type: "string",
    env: ["AWS_REGION", "AWS_DEFAULT_REGION"],
    valueName: "REGION",
    defaultText: "us-east-1",
    description: "AWS region. Credentials come from the SDK's chain; dummy ones for a local endpoint.",
  },
  "database-url": {
    type: "string",
    env: ["DATABASE_URL"],
    valueName: "URL",
    defaultText: `PGHOST, PGPORT, PGUSER, PGDATABASE if set, else ${DEFAULT_DATABASE_URL}`,
    description:
      "PostgreSQL connection string. The password may stay out of it: PGPASSWORD and ~/.pgpass are read as psql reads them.",
  },
  schema: {
    type: "string",
    env: ["SECURELOG_SCHEMA"],
    valueName: "NAME",
    defaultText: "public",
    description: "Schema of user_logins and SecureLog's side tables (must exist; every statement names it).",
  },
  mask: {
    type: "string",
    env: ["SECURELOG_MASK"],
    valueName: "hmac|encrypt|sha256",
    defaultText: "hmac",
    description:
      "hmac: keyed one-way HMAC-SHA-256. encrypt: deterministic AES-256-GCM-SIV, revealable with the key. sha256: unkeyed, weak.",
  },
  "key-file": {
    type: "string",
    env: ["SECURELOG_KEY_FILE"],
    valueName: "PATH",
    description:
      "File (mode 0600) holding the masking key as printed by `securelog keygen`; further lines are previous keys. Or set SECURELOG_KEY.",
  },
  "app-version": {
    type: "string",
    env: ["SECURELOG_APP_VERSION"],
    valueName: "major|packed",
    defaultText: "major",
    description: "major: 2.3.0 -> 2. packed: major*1000000 + minor*1000 + patch (order-preserving).",
  },
  concurrency: {
    type: "string",
    env: ["SECURELOG_CONCURRENCY"],
    valueName: "N",
    defaultText: "adaptive, from 8",
    description:
      "Concurrent receives (each brings up to 10 messages). Given, the number is pinned; otherwise it adapts to the network between 1 and --max-concurrency.",
  },
  "max-concurrency": {
    type: "string",
    env: ["SECURELOG_MAX_CONCURRENCY"],
    valueName: "N",
    defaultText: "128",
    description: "Most concurrent receives the adaptive number may reach (1-512).",
  },
  "wait-time": {
    type: "string",
    env: ["SECURELOG_WAIT_TIME"],
    valueName: "SECONDS",
    defaultText: "20, or 0 with --until-empty",
    description: "Long-poll wait per receive (WaitTimeSeconds, 0-20).",
  },
  "visibility-timeout": {
    type: "string",
    env: ["SECURELOG_VISIBILITY_TIMEOUT"],
    valueName: "SECONDS",
    defaultText: "the queue's own (at least 2)",
    description: "Visibility timeout requested on receive, 2-43200.",
  },
  "batch-size": {
    type: "string",
    env: ["SECURELOG_BATCH_SIZE"],
    valueName: "N",
    defaultText: "1000",
    description: "Most messages committed in one database transaction.",
  },
  "max-in-flight": {
    type: "string",
    env: ["SECURELOG_MAX_IN_FLIGHT"],
    valueName: "N",
    defaultText: "2000",
    description: "Pollers pause while this many messages are received but not yet deleted.",
  },
  "max-in-flight-mb": {
    type: "string",
    env: ["SECURELOG_MAX_IN_FLIGHT_MB"],
    valueName: "MIB",
    defaultText: "32",
    description: "Pollers also pause while the bodies of those messages add up to this many MiB (1-1024).",
  },
  "max-retry-time": {
    type: "string",
    env: ["SECURELOG_MAX_RETRY_TIME"],
    valueName: "SECONDS",
    defaultText: "300",
    description: "How long a failing database or SQS is retried before the run exits 1.",
  },
  "shutdown-timeout": {
    type: "string",
    env: ["SECURELOG_SHUTDOWN_TIMEOUT"],
    valueName: "SECONDS",
    defaultText: "25",
    description:
      "After SIGTERM/SIGINT, how long to finish in-flight batches before leaving them to the queue.",
  },
  "until-empty": {
    type: "boolean",
    description: "Drain the queue and exit 0 once a receive comes back empty on every poller.",
  },
  "dry-run": {
    type: "boolean",
    description:
      "Read up to --batch-size messages, validate and mask them, print what would be loaded and rejected, write nothing, and return them to the queue.",
  },
  "metrics-port": {
    type: "string",
    env: ["SECURELOG_METRICS_PORT"],
    valueName: "PORT",
    defaultText: "off",
    description: "Serve /metrics (Prometheus), /healthz and /readyz on this port (0: any free port).",
  },
  "metrics-host": {
    type: "string",
    env: ["SECURELOG_METRICS_HOST"],
    valueName: "ADDRESS",
    defaultText: "0.0.0.0",
    description: "Address the metrics server listens on (127.0.0.1 to keep it local).",
  },
  "log-level": {
    type: "string",
    env: ["SECURELOG_LOG_LEVEL", "LOG_LEVEL"],
    valueName: "LEVEL",
    defaultText: "info",
    description: "fatal, error, warn, info, debug or trace.",
  },
  quiet: { type: "boolean", description: "Print only errors and the final summary." },
  verbose: { type: "boolean", description: "Show stack traces with errors." },
  help: { type: "boolean", description: "Show this help." },
} as const satisfies Record<string, OptionSpec>;
