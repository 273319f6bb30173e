import { ENV_FILE_OPTIONS, JSON_OPTION, type OptionSpec, RUN_OPTIONS } from "../../config-options.ts";
import type { Command } from "../command.ts";

export const replay: Command = {
  name: "replay",
  summary: "Move messages from a dead-letter queue back to the main queue (--from-dlq URL).",
  about: `Usage: securelog replay --from-dlq URL [--queue-url URL] [--endpoint URL] [--region REGION]

Moves every message of a dead-letter queue back to the main queue (--queue-url / SQS_QUEUE_URL), for example
after fixing what made them fail. Each message is sent first and deleted from the dead-letter queue only
afterwards; it keeps its first MessageId in the SecureLogOriginalId attribute, signed with the masking key, so
the ledger still recognises a message that was committed before it was dead-lettered.`,
  options: {
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
  } satisfies Record<string, OptionSpec>,
  run: async (flags, _, io) => (await import("../replay.ts")).replayCommand(flags, io, io.env),
};
