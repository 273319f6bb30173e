import pino, { type Logger } from "pino";
import type { LogLevel } from "../config.ts";
import type { PipelineEvents } from "../pipeline/events.ts";

export type { Logger };

/**
 * JSON lines on stderr (stdout carries the summary and command output). Log calls pass counts, codes and
 * masked values only; the redact list is a second line of defence should a raw field ever be passed.
 */
export function createLogger(level: LogLevel, destination: NodeJS.WritableStream = process.stderr): Logger {
  return pino(
    {
      level,
      base: { service: "securelog" },
      redact: {
        paths: ["ip", "device_id", "*.ip", "*.device_id", "body", "*.body", "key"],
        censor: "[redacted]",
      },
    },
    destination,
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
  events.on("extended", (count) => {
    logger.debug({ count }, "visibility extended for messages still being processed");
  });
  events.on("extendFailed", (count, reason) => {
    logger.warn({ count }, `could not extend visibility (${reason}); those messages may be delivered again`);
  });
  events.on("isolated", (reason) => {
    logger.warn({ reason }, "PostgreSQL refused one message; stored it as a rejection");
  });
}
