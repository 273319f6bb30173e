import type { RunConfig } from "../config/run-config.ts";
import type { SourceMessage } from "../source/message.ts";
import { originalIdOption } from "../source/replay-id.ts";
import { SqsSource } from "../source/sqs-source.ts";
import { transformsFor } from "../transform/transform.ts";
import { type CliIo, print, printJson } from "./io.ts";
import { ROW_COLUMNS, table } from "./table.ts";

/** Held while they are looked at: long enough for a thousand messages, short enough to come back on a crash. */
const HOLD_SECONDS = 60;
/** A long poll this short still asks every SQS server, so an empty answer means the queue is empty. */
const DRY_WAIT_SECONDS = 1;

/**
 * `securelog run --dry-run`: receives up to --batch-size messages, validates and masks each exactly as a run
 * would, prints what would be loaded and rejected, and returns every message to the queue (visibility 0). It
 * connects to no database, so it writes nothing anywhere; it does not know which values were erased.
 */
export async function dryRun(config: RunConfig, io: CliIo): Promise<void> {
  const source = new SqsSource(config.sqs, {
    waitTimeSeconds: DRY_WAIT_SECONDS,
    visibilityTimeoutSeconds: HOLD_SECONDS,
    maxSockets: 4,
    ...originalIdOption(config.mask),
  });
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  io.signals.on("SIGINT", onSignal);
  io.signals.on("SIGTERM", onSignal);
  const held = new Map<string, SourceMessage>();
  try {
    const queue = await source.inspect();
    await readUpTo(source, config.batchSize, held, stop.signal);
    report(config, [...held.values()], io);
    if (queue.maxReceiveCount !== undefined)
      print(
        io.stderr,
        `note: this dry run counted as one receive of each message it read; the queue sends a message to its dead-letter queue after ${queue.maxReceiveCount}.`,
      );
  } finally {
    io.signals.off("SIGINT", onSignal);
    io.signals.off("SIGTERM", onSignal);
    // Not thrown: the messages come back by themselves once their hold runs out, so it is a note, not a failure.
    await source
      .extend([...held.values()], 0)
      .catch((error: unknown) =>
        print(
          io.stderr,
          `note: could not return ${held.size} messages to the queue at once (${(error as Error).message}); they come back by themselves within ${HOLD_SECONDS} s.`,
        ),
      );
    source.close();
  }
}

/** Receives until `limit` messages are held, the queue answers empty, or a signal stops it. */
async function readUpTo(
  source: SqsSource,
  limit: number,
  held: Map<string, SourceMessage>,
  signal: AbortSignal,
): Promise<void> {
  while (held.size < limit && !signal.aborted) {
    let messages: readonly SourceMessage[];
    try {
      messages = await source.receive(signal, Math.min(10, limit - held.size));
    } catch (error) {
      if (signal.aborted) return;
      throw error;
    }
    if (messages.length === 0) return;
    // By MessageId: a message received twice (its hold ran out) is counted once and returned under its latest handle.
    for (const message of messages) held.set(message.id, message);
  }
}

/** What a run would do with these messages: counts by outcome and reason, and a few masked rows. */
function report(config: RunConfig, messages: readonly SourceMessage[], io: CliIo): void {
  const { transform } = transformsFor(config.mask, config.appVersion);
  const outcomes = messages.map(transform);
  const rows = outcomes.flatMap((o) => (o.kind === "row" ? [o.row] : []));
  const reasons = new Map<string, number>();
  for (const o of outcomes)
    if (o.kind === "reject") reasons.set(o.reject.reason, (reasons.get(o.reject.reason) ?? 0) + 1);
  if (config.json) {
    printJson(io.stdout, {
      queueUrl: config.sqs.queueUrl,
      read: messages.length,
      wouldLoad: rows.length,
      wouldReject: messages.length - rows.length,
      rejectedByReason: Object.fromEntries([...reasons].sort(([a], [b]) => a.localeCompare(b))),
      moreOnQueue: messages.length >= config.batchSize,
      // Masked exactly as they would be stored: what a run would write, no raw value.
      sampleRows: rows.slice(0, 5),
    });
    return;
  }
  const line = (label: string, n: number, indent = 2) =>
    `${" ".repeat(indent)}${label.padEnd(34 - indent)}${String(n).padStart(6)}`;
  print(
    io.stdout,
    [
      `SecureLog dry run of ${config.sqs.queueUrl}: nothing was written; every message read goes back to the queue.`,
      line("read", messages.length),
      line("would load", rows.length),
      line("would reject", messages.length - rows.length),
      ...[...reasons].sort(([a], [b]) => a.localeCompare(b)).map(([reason, n]) => line(reason, n, 4)),
    ].join("\n"),
  );
  if (messages.length >= config.batchSize)
    print(io.stdout, `(stopped at --batch-size ${config.batchSize}; the queue holds more)`);
  if (rows.length > 0) {
    print(io.stdout, "\nA few rows as they would be loaded (ip and device_id masked with your key):");
    print(io.stdout, table(rows.slice(0, 5), ROW_COLUMNS));
  }
}
