import type { AppVersionMode } from "../transform/app-version.ts";
import type { MaskConfig } from "../transform/mask.ts";
import { loadDatabaseUrl, loadSchema } from "./database.ts";
import { loadMaskConfig } from "./keys.ts";
import type { RUN_OPTIONS } from "./options.ts";
import { choice, type Env, type Flags, integer, raw, text } from "./settings.ts";
import { loadSqsConfig, type SqsConfig } from "./sqs.ts";

/**
 * `securelog run`'s settings, validated into one frozen, typed RunConfig. Defaults match the classic local stack
 * (LocalStack on 4566 with `login-queue`, PostgreSQL on 5432).
 */
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

export type LogLevel = (typeof RUN_OPTIONS)["log-level"]["choices"][number];

export function loadRunConfig(flags: Flags, env: Env): RunConfig {
  const untilEmpty = flags["until-empty"] === true;
  const config: RunConfig = {
    sqs: loadSqsConfig(flags, env),
    databaseUrl: loadDatabaseUrl(flags, env),
    schema: loadSchema(flags, env),
    mask: loadMaskConfig(flags, env),
    appVersion: choice("app-version", flags, env),
    concurrency: integer("concurrency", flags, env),
    pinnedConcurrency: raw("concurrency", flags, env) !== undefined,
    // 128 pollers bring up to 12,800 messages a second over 100 ms round trips.
    maxConcurrency: integer("max-concurrency", flags, env),
    // A drain short-polls: the run ends one empty receive after the last message (see Pipeline).
    waitTimeSeconds: integer("wait-time", flags, env, untilEmpty ? 0 : undefined),
    visibilityTimeoutSeconds: integer("visibility-timeout", flags, env),
    // Fewer rows a statement loaded markedly slower (docs/benchmarks.md, the defaults).
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
    logLevel: choice("log-level", flags, env),
    metricsPort:
      raw("metrics-port", flags, env) === undefined ? undefined : integer("metrics-port", flags, env),
    metricsHost: text("metrics-host", flags, env),
    quiet: flags.quiet === true,
  };
  return Object.freeze(config);
}
