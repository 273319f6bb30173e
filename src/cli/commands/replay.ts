import { ENV_FILE_OPTIONS, JSON_OPTION } from "../../config/common-options.ts";
import type { OptionSpec } from "../../config/option-spec.ts";
import { RUN_OPTIONS } from "../../config/options.ts";
import { type Flags, settingsOf } from "../../config/settings.ts";
import { ConfigError } from "../../errors.ts";
import type { SqsWire } from "../../source/sqs-wire.ts";
import type { Command } from "../command.ts";
import { type CliIo, print, printJson } from "../io.ts";

/** The options of `securelog replay`, typed for its settings (settingsOf). */
const OPTIONS = {
  "from-dlq": {
    type: "string",
    valueName: "URL",
    description: "The dead-letter queue to move messages from (required).",
  },
  "queue-url": RUN_OPTIONS["queue-url"],
  endpoint: RUN_OPTIONS.endpoint,
  region: RUN_OPTIONS.region,
  mask: RUN_OPTIONS.mask,
  "key-file": RUN_OPTIONS["key-file"],
  ...JSON_OPTION,
  ...ENV_FILE_OPTIONS,
  help: RUN_OPTIONS.help,
  verbose: RUN_OPTIONS.verbose,
} as const satisfies Record<string, OptionSpec>;

export const replay: Command = {
  name: "replay",
  summary: "Move messages from a dead-letter queue back to the main queue (--from-dlq URL).",
  about: `Usage: securelog replay --from-dlq URL [--queue-url URL] [--endpoint URL] [--region REGION]

Moves every message of a dead-letter queue back to the main queue (--queue-url / SQS_QUEUE_URL), for example
after fixing what made them fail. Each message is sent first and deleted from the dead-letter queue only
afterwards; it keeps its first MessageId in the SecureLogOriginalId attribute, signed with the masking key, so
the ledger still recognises a message that was committed before it was dead-lettered.`,
  options: OPTIONS,
  run: (flags, _, io) => replayDeadLettered(flags, io),
};

/** Both queues must exist before anything moves; each error names the queue it is about. */
async function checkQueue(wire: SqsWire, queueUrl: string, endpoint: string | undefined) {
  const { sourceError } = await import("../../source/sqs-errors.ts");
  await wire
    .call("GetQueueAttributes", { QueueUrl: queueUrl, AttributeNames: ["QueueArn"] })
    .catch((error: unknown) => {
      throw sourceError(error, queueUrl, endpoint);
    });
}

/**
 * `securelog replay --from-dlq URL`: moves dead-lettered messages back to the main queue after a fix. The
 * masking key signs each message's original MessageId (see src/source/replay-id.ts), so `run` recognises one
 * that was committed before it was dead-lettered.
 */
async function replayDeadLettered(flags: Flags, io: CliIo): Promise<number> {
  const { loadMaskConfig } = await import("../../config/keys.ts");
  const { loadSqsConfig } = await import("../../config/sqs.ts");
  const { replayDeadLetters } = await import("../../source/dlq-replay.ts");
  const { sourceError } = await import("../../source/sqs-errors.ts");
  const { SqsWire } = await import("../../source/sqs-wire.ts");
  const env = io.env;
  const { "from-dlq": dlq, json } = settingsOf(OPTIONS, flags, io.env);
  if (typeof dlq !== "string") throw new ConfigError("replay needs --from-dlq URL (the dead-letter queue)");
  const dlqConfig = loadSqsConfig(flags, env, { url: dlq, option: "from-dlq" });
  const target = loadSqsConfig(flags, env);
  if (dlqConfig.queueUrl === target.queueUrl) {
    throw new ConfigError("--from-dlq and --queue-url are the same queue");
  }
  const mask = loadMaskConfig(flags, env);
  if (mask.mode === "sha256") {
    print(
      io.stderr,
      "warning: --mask sha256 has no key to sign the original MessageIds: a replayed message that had been committed before it was dead-lettered will load again.",
    );
  }
  // Receives wait at most 1 s on the dead-letter queue; anything much longer is a dead connection.
  const wire = new SqsWire(target, { maxSockets: 4, timeoutMs: 11_000 });
  try {
    await checkQueue(wire, dlqConfig.queueUrl, target.endpoint);
    await checkQueue(wire, target.queueUrl, target.endpoint);
    const result = await replayDeadLetters(wire, {
      dlqUrl: dlqConfig.queueUrl,
      queueUrl: target.queueUrl,
      keys: mask.mode === "sha256" ? undefined : mask.keys.all,
      onError: (error, queueUrl) => sourceError(error, queueUrl, target.endpoint),
    });
    if (json)
      printJson(io.stdout, {
        from: dlqConfig.queueUrl,
        to: target.queueUrl,
        moved: result.moved,
        failed: result.failed,
      });
    else print(io.stdout, `moved ${result.moved} messages from ${dlqConfig.queueUrl} to ${target.queueUrl}.`);
    if (result.failed > 0) {
      print(io.stderr, `${result.failed} messages could not be sent and stay in the dead-letter queue.`);
      return 1;
    }
    return 0;
  } finally {
    wire.close();
  }
}
