import { type Env, type Flags, loadSqsConfig, RUN_OPTIONS } from "../config.ts";
import { ConfigError } from "../errors.ts";
import { replayDeadLetters } from "../source/dlq-replay.ts";
import { sourceError } from "../source/sqs-errors.ts";
import { createSqsClient } from "../source/sqs-source.ts";
import { type CliIo, print } from "./io.ts";

export const REPLAY_OPTIONS = {
  "from-dlq": { type: "string" },
  "queue-url": RUN_OPTIONS["queue-url"],
  endpoint: RUN_OPTIONS.endpoint,
  region: RUN_OPTIONS.region,
  help: RUN_OPTIONS.help,
  verbose: RUN_OPTIONS.verbose,
} as const;

/** `securelog replay --from-dlq URL`: moves dead-lettered messages back to the main queue after a fix. */
export async function replayCommand(flags: Flags, io: CliIo, env: Env): Promise<number> {
  const dlq = flags["from-dlq"];
  if (typeof dlq !== "string") throw new ConfigError("replay needs --from-dlq URL (the dead-letter queue)");
  const dlqConfig = loadSqsConfig({ ...flags, "queue-url": dlq }, env);
  const target = loadSqsConfig(flags, env);
  if (dlqConfig.queueUrl === target.queueUrl) {
    throw new ConfigError("--from-dlq and --queue-url are the same queue");
  }
  const client = createSqsClient(target, { maxSockets: 4, waitTimeSeconds: 1 });
  try {
    const result = await replayDeadLetters(client, dlqConfig.queueUrl, target.queueUrl).catch(
      (error: unknown) => {
        throw sourceError(error, dlqConfig.queueUrl, target.endpoint);
      },
    );
    print(io.stdout, `moved ${result.moved} messages from ${dlqConfig.queueUrl} to ${target.queueUrl}.`);
    if (result.failed > 0) {
      print(io.stderr, `${result.failed} messages could not be sent and stay in the dead-letter queue.`);
      return 1;
    }
    return 0;
  } finally {
    client.destroy();
  }
}
