import { ENV_FILE_OPTIONS, JSON_OPTION } from "./common-options.ts";
import type { OptionSpec } from "./option-spec.ts";

// Every option of every command, declared once: flag, environment variables, default, bounds and description.
// --help, the docs' reference tables (checked by a test) and the settings' readers (settings.ts) all follow it.

/**
 * Below this a message's visibility can run out before the heartbeat (which acts at half the timeout) extends
 * it, and at 0 every message is delivered again at once, to this process and any other: a livelock. A queue
 * whose own timeout is lower is received with this one instead.
 */
export const MIN_VISIBILITY_TIMEOUT_SECONDS = 2;

/**
 * The lease messages are received with unless --visibility-timeout says otherwise: short, as Pub/Sub's clients
 * hold messages (a 10 s ack deadline, extended while work goes on), so that the messages of a replica killed
 * mid-batch, or of a receive whose response a network cut lost, come back to the others in seconds rather than
 * after the queue's own timeout (30 s by default, often minutes). The heartbeat extends it for messages still
 * held; the few that are slow cost a visibility change, the many that are fast cost nothing.
 */
export const DEFAULT_LEASE_SECONDS = 10;

export const DEFAULT_QUEUE_URL = "http://localhost:4566/000000000000/login-queue";
export const DEFAULT_DATABASE_URL = "postgres://postgres@localhost:5432/postgres";

/** Options of `securelog run`; the help text and the README's reference table are generated from this. */
export const RUN_OPTIONS = {
  "queue-url": {
    type: "string",
    env: ["SQS_QUEUE_URL"],
    valueName: "URL",
    defaultText: `\`${DEFAULT_QUEUE_URL}\``,
    description: "SQS queue to consume.",
  },
  endpoint: {
    type: "string",
    env: ["AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL"],
    valueName: "URL",
    defaultText: "the queue URL's origin when it is not an AWS host",
    description: "SQS endpoint (LocalStack, fauxqs, a VPC endpoint).",
  },
  region: {
    type: "string",
    env: ["AWS_REGION", "AWS_DEFAULT_REGION"],
    valueName: "REGION",
    defaultText: "from the queue URL (sqs.<region>.amazonaws.com), else `us-east-1`",
    description: "AWS region. Credentials come from the SDK's chain; dummy ones for a local endpoint.",
  },
  "database-url": {
    type: "string",
    env: ["DATABASE_URL"],
    valueName: "URL",
    defaultText: `\`PGHOST\`, \`PGPORT\`, \`PGUSER\`, \`PGDATABASE\` if set, else \`${DEFAULT_DATABASE_URL}\``,
    description:
      "PostgreSQL connection string. The password may stay out of it: `PGPASSWORD` and `~/.pgpass` are read as psql reads them.",
    details: "Without one, libpq's `PGHOST`, `PGPORT`, `PGUSER` and `PGDATABASE` make it.",
  },
  schema: {
    type: "string",
    env: ["SECURELOG_SCHEMA"],
    valueName: "NAME",
    default: "public",
    description:
      "Schema of `user_logins` and SecureLog's side tables (must exist; every statement names it).",
    details: "So the `search_path` never decides.",
  },
  mask: {
    type: "string",
    env: ["SECURELOG_MASK"],
    valueName: "hmac|encrypt|sha256",
    choices: ["hmac", "encrypt", "sha256"],
    default: "hmac",
    description:
      "hmac: keyed one-way HMAC-SHA-256. encrypt: deterministic AES-256-GCM-SIV, revealable with the key. sha256: unkeyed, weak.",
    details: "See below.",
  },
  "key-file": {
    type: "string",
    env: ["SECURELOG_KEY_FILE"],
    valueName: "PATH",
    description:
      "File (mode 0600) holding the masking key as printed by `securelog keygen`; further lines are previous keys. Or set SECURELOG_KEY.",
    details:
      "Keys may also be separated by commas or spaces, with `#` comments; refused if group- or world-readable.",
  },
  "app-version": {
    type: "string",
    env: ["SECURELOG_APP_VERSION"],
    valueName: "major|packed",
    choices: ["major", "packed"],
    default: "major",
    description:
      "major: `2.3.0` → `2`. packed: `major·1,000,000 + minor·1,000 + patch` (`2003000`, order-preserving).",
  },
  concurrency: {
    type: "string",
    env: ["SECURELOG_CONCURRENCY"],
    valueName: "N",
    defaultText: "adaptive, from `8`",
    integer: { min: 1, max: 512, default: 8 },
    description:
      "Concurrent receives (each brings up to 10 messages). Given, the number is pinned; otherwise it adapts to the network between 1 and --max-concurrency.",
    details:
      "It grows while receives come back full and the rate rises, and shrinks when they come back short.",
  },
  "max-concurrency": {
    type: "string",
    env: ["SECURELOG_MAX_CONCURRENCY"],
    valueName: "N",
    integer: { min: 1, max: 512, default: 128 },
    description: "Most concurrent receives the adaptive number may reach.",
    details: "128 is enough for 100 ms round trips.",
  },
  "wait-time": {
    type: "string",
    env: ["SECURELOG_WAIT_TIME"],
    valueName: "SECONDS",
    defaultText: "`20`, or `0` with `--until-empty`",
    integer: { min: 0, max: 20, default: 20 },
    description: "Long-poll wait per receive (`WaitTimeSeconds`).",
    details: "A drain short-polls, so it ends one empty receive after the last message.",
  },
  "visibility-timeout": {
    type: "string",
    env: ["SECURELOG_VISIBILITY_TIMEOUT"],
    valueName: "SECONDS",
    integer: { min: MIN_VISIBILITY_TIMEOUT_SECONDS, max: 43_200, default: DEFAULT_LEASE_SECONDS },
    description:
      "Lease on each received message (its visibility timeout, whatever the queue's own); extended while a message is still held.",
    details:
      "A message done in milliseconds is never extended, and the messages of a replica that died come back to the others within this time.",
  },
  "batch-size": {
    type: "string",
    env: ["SECURELOG_BATCH_SIZE"],
    valueName: "N",
    integer: { min: 1, max: 10_000, default: 1000 },
    description: "Most messages committed in one database transaction.",
  },
  "max-in-flight": {
    type: "string",
    env: ["SECURELOG_MAX_IN_FLIGHT"],
    valueName: "N",
    integer: { min: 10, max: 20_000, default: 2000 },
    description: "Pollers pause while this many messages are received but not yet deleted.",
  },
  "max-in-flight-mb": {
    type: "string",
    env: ["SECURELOG_MAX_IN_FLIGHT_MB"],
    valueName: "MIB",
    integer: { min: 1, max: 1024, default: 32 },
    description: "Pollers also pause while the bodies of those messages add up to this many MiB.",
    details: "Memory stays bounded however large the messages.",
  },
  "max-retry-time": {
    type: "string",
    env: ["SECURELOG_MAX_RETRY_TIME"],
    valueName: "SECONDS",
    integer: { min: 0, max: 86_400, default: 300 },
    description: "How long an unreachable database or SQS is retried before the run exits 1.",
  },
  "shutdown-timeout": {
    type: "string",
    env: ["SECURELOG_SHUTDOWN_TIMEOUT"],
    valueName: "SECONDS",
    integer: { min: 1, max: 3600, default: 25 },
    description:
      "After SIGTERM/SIGINT, how long to finish in-flight batches before leaving them to the queue (exit 1).",
  },
  "fold-every": {
    type: "string",
    env: ["SECURELOG_FOLD_EVERY"],
    valueName: "SECONDS",
    defaultText: "`60`, never with `--until-empty`",
    integer: { min: 0, max: 86_400, default: 60 },
    description:
      "How often a run that follows the queue folds new rows into the report's rollups (0: never).",
    details:
      "So that `securelog report` has little left to fold; a drain never folds (the report folds what is left). One replica folds at a time.",
  },
  "until-empty": {
    type: "boolean",
    description:
      "Drain the queue and exit 0 once a receive comes back empty on every poller and the queue's counts show nothing in flight elsewhere.",
    details:
      "SQS's approximate counts can lag about a minute behind recent sends: for a queue still being written to, follow it instead.",
  },
  "dry-run": {
    type: "boolean",
    description:
      "Read up to `--batch-size` messages, validate and mask them, print what would be loaded and rejected, write nothing, and return them to the queue.",
    details:
      "It shows a few masked rows, opens no database and gives every message back at once (visibility 0); each counts as one receive toward a redrive policy's `maxReceiveCount`.",
  },
  "metrics-port": {
    type: "string",
    env: ["SECURELOG_METRICS_PORT"],
    valueName: "PORT",
    defaultText: "off",
    integer: { min: 0, max: 65_535 },
    description:
      "Serve `/metrics` (Prometheus), `/healthz` and `/readyz` (SQS and PostgreSQL reachable) on this port (`0`: any free port).",
    details: "The port is logged in the `metrics` line.",
  },
  "metrics-host": {
    type: "string",
    env: ["SECURELOG_METRICS_HOST"],
    valueName: "ADDRESS",
    default: "0.0.0.0",
    description: "Address the metrics server listens on (`127.0.0.1` to keep it local).",
  },
  "log-level": {
    type: "string",
    env: ["SECURELOG_LOG_LEVEL", "LOG_LEVEL"],
    valueName: "LEVEL",
    choices: ["fatal", "error", "warn", "info", "debug", "trace", "silent"],
    default: "info",
    description:
      "`fatal`, `error`, `warn`, `info`, `debug`, `trace`, or `silent` (nothing but the final summary and the exit error).",
  },
  quiet: {
    type: "boolean",
    description: "Print only errors and the final summary.",
  },
  verbose: {
    type: "boolean",
    description: "Show stack traces with errors.",
  },
  ...JSON_OPTION,
  ...ENV_FILE_OPTIONS,
  help: { type: "boolean", short: "h", description: "Show this help." },
} as const satisfies Record<string, OptionSpec>;
