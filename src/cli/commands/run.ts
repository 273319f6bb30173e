import { RUN_OPTIONS } from "../../config/options.ts";
import type { Command } from "../command.ts";

export const run: Command = {
  name: "run",
  summary:
    "Consume the queue into PostgreSQL (follows forever; --until-empty drains and exits; --dry-run looks).",
  about: `Usage: securelog run [options]

Long-polls the SQS queue, validates each message, masks ip and device_id, converts app_version, and loads rows
into user_logins (rejections into user_logins_rejects). A message is deleted from the queue only after its row
or rejection is committed. The masking key comes from SECURELOG_KEY (as printed by \`securelog keygen\`) or
--key-file. --dry-run shows what a run would do with the messages waiting, and changes nothing.`,
  optionsHeading: "Options (flag > environment variable > default):",
  options: RUN_OPTIONS,
  footer: `Examples:
  export SECURELOG_KEY="$(securelog keygen)"
  securelog run --until-empty
  securelog run --queue-url https://sqs.eu-west-1.amazonaws.com/123456789012/login-queue \\
                --database-url postgres://etl@db.internal:5432/analytics`,
  run: async (flags, _, io) => {
    const { loadRunConfig } = await import("../../config/run-config.ts");
    const config = loadRunConfig(flags, io.env);
    if (config.dryRun) await (await import("../dry-run.ts")).dryRun(config, io);
    else await (await import("../run.ts")).executeRun(config, io);
    return 0;
  },
};
