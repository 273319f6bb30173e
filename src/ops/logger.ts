import pino, { type Logger } from "pino";
import type { LogLevel } from "../config.ts";
import type { PipelineEvents } from "../pipeline/events.ts";

export type { Logger };

/**
 * JSON lines on stderr (stdout carries the summary and command output). Log calls pass counts, codes and
 * masked values only; the redact list is a second line of defence should a raw field ever be passed.
 */
const LEVEL_NAMES: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};

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
        const clock = new Date(Number(time)).toISOString().slice(11, 19);
        const extra = Object.entries(fields)
          .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
          .join(" ");
        destination.write(
          `${clock} ${LEVEL_NAMES[Number(level)] ?? level} ${String(msg)}${extra === "" ? "" : ` ${extra}`}\n`,
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
      redact: {
        paths: ["ip", "device_id", "*.ip", "*.device_id", "body", "*.body", "key"],
        censor: "[redacted]",
      },
    },
    human ? humanReadable(destination) : destination,
  );
}

/** Logs what the operator should know about while a run goes on. */
export function logPipelineEvents(events: PipelineEvents, logger: Logger): void {
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
  events.on("sinkRetry", ({ attempt, delayMs, error }) => {
    logger.warn({ attempt, delayMs }, `database write failed, retrying: ${error}`);
  });
  events.on("sourceRetry", ({ attempt, delayMs, error }) => {
    logger.warn({ attempt, delayMs }, `SQS receive failed, retrying: ${error}`);
  });
  events.on("deleteFailed", (count, reason) => {
    logger.warn(
      { count },
      `could not delete committed messages (${reason}); they will be redelivered and skipped`,
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
  events.on("extendFailed", (count, reason) => {
    logger.warn({ count }, `could not extend visibility (${reason}); those messages may be delivered again`);
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
