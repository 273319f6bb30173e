import pino, { type Logger } from "pino";
import type { LogLevel } from "../config/run-config.ts";
import type { PipelineEvents } from "../pipeline/events.ts";
import { OutageLog } from "./outage-log.ts";

export type { Logger };

/**
 * JSON lines on stderr (stdout carries the summary and command output). Log calls pass counts, codes and
 * masked values only; the redact list is a second line of defence should a raw field ever be passed. Levels are
 * words (`"level":"warn"`) and times ISO-8601 UTC (`"time":"2026-12-04T16:23:03.123Z"`), as log pipelines
 * (Loki, Elasticsearch, CloudWatch) read them without a mapping.
 */

/** Erase to the end of the line (ANSI EL). */
const CLEAR_LINE = "\u001b[K";

/** One readable line per log record, for people at a terminal: `12:00:01 WARN message key=value`. */
function humanReadable(destination: NodeJS.WritableStream): { write(line: string): void } {
  return {
    write(line) {
      try {
        const {
          level,
          time,
          msg,
          service: _service,
          ...fields
        } = JSON.parse(line) as Record<string, unknown>;
        const clock = String(time).slice(11, 19);
        const extra = Object.entries(fields)
          .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
          .join(" ");
        // From the start of a cleared line: a live status line may be drawn there (progress.ts redraws it next).
        destination.write(
          `\r${CLEAR_LINE}${clock} ${String(level).toUpperCase()} ${String(msg)}${extra === "" ? "" : ` ${extra}`}\n`,
        );
      } catch {
        destination.write(line);
      }
    },
  };
}

export function createLogger(
  level: LogLevel,
  destination: NodeJS.WritableStream = process.stderr,
  human = false,
): Logger {
  return pino(
    {
      level,
      base: { service: "securelog" },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: ["ip", "device_id", "*.ip", "*.device_id", "body", "*.body", "key"],
        censor: "[redacted]",
      },
    },
    human ? humanReadable(destination) : destination,
  );
}

/** Failures that repeat while an outage lasts: the first logged, then a summary every 10 s, then the recovery. */
function logOutages(events: PipelineEvents, logger: Logger): void {
  const database = new OutageLog(logger, {
    what: "database write",
    first: (error) => `database write failed, retrying: ${error}`,
  });
  events.on("sinkRetry", ({ attempt, delayMs, error }) => database.failed(error, { attempt, delayMs }));
  events.on("committed", () => database.succeeded());
  const receive = new OutageLog(logger, {
    what: "SQS receive",
    first: (error) => `SQS receive failed, retrying: ${error}`,
  });
  events.on("sourceRetry", ({ attempt, delayMs, error }) => receive.failed(error, { attempt, delayMs }));
  events.on("polled", () => receive.succeeded());
  const deletes = new OutageLog(logger, {
    what: "SQS delete",
    first: (error) => `could not delete committed messages (${error}); they will be redelivered and skipped`,
  });
  events.on("deleteFailed", (count, reason) => deletes.failed(reason, { count }));
  events.on("deleted", () => deletes.succeeded());
  const visibility = new OutageLog(logger, {
    what: "SQS visibility change",
    first: (error) => `could not extend visibility (${error}); those messages may be delivered again`,
  });
  events.on("extendFailed", (count, reason) => visibility.failed(reason, { count }));
  events.on("extended", () => visibility.succeeded());
}

/** Logs what the operator should know about while a run goes on. */
export function logPipelineEvents(events: PipelineEvents, logger: Logger): void {
  logOutages(events, logger);
  events.on("received", (count) => {
    logger.debug({ count }, "received");
  });
  events.on("committed", (batch) => {
    logger.debug(
      {
        loaded: batch.loaded,
        rejected: Object.fromEntries(batch.rejected),
        duplicates: batch.duplicates,
        ms: Math.round(batch.durationMs),
      },
      "batch committed",
    );
  });
  events.on("concurrency", (target) => {
    logger.debug({ target }, "concurrent receives adjusted");
  });
  events.on("redelivered", (count) => {
    logger.debug({ count }, "messages delivered again while still held; using the newer receipt handle");
  });
  events.on("extended", (count) => {
    logger.debug({ count }, "visibility extended for messages still being processed");
  });
  events.on("isolated", (reason, detail) => {
    logger.warn(
      { reason },
      detail === "full"
        ? "PostgreSQL refused one message; stored it as a rejection"
        : "PostgreSQL refused one message's rejection record; stored a minimal one (reason, digest, sizes)",
    );
  });
}
