import { type OptionSpec, RUN_OPTIONS } from "../config-options.ts";
import { EXIT_CODES } from "./exit-codes.ts";
import {
  DEMO_OPTIONS,
  FORGET_OPTIONS,
  KEYGEN_OPTIONS,
  PRIVACY_OPTIONS,
  PRUNE_OPTIONS,
  REKEY_OPTIONS,
  REPLAY_OPTIONS,
  STATS_OPTIONS,
} from "./options.ts";

const COLUMN = 32;
const WIDTH = 110;

/** Words laid out in lines of at most `width` characters, continuation lines indented by `indent`. */
function wrap(text: string, indent: number, width = WIDTH - indent): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  lines.push(line);
  return lines.join(`\n${" ".repeat(indent)}`);
}

/** Markdown code spans (the docs' spelling) read as plain text in a terminal. */
const plain = (text: string) => text.replaceAll("`", "");

/**
 * Every command's option block, made from its option table (options.ts, config-options.ts): the same table the
 * README and the runbook are generated from (scripts/docs.ts), so help and docs cannot disagree.
 */
export function optionLines(options: Record<string, OptionSpec>): string {
  const rows = Object.entries(options).map(([name, spec]) => {
    const left = `  --${name}${spec.short === undefined ? "" : `, -${spec.short}`}${spec.valueName === undefined ? "" : ` ${spec.valueName}`}`;
    const extra = [
      spec.env === undefined || spec.env.length === 0 ? "" : `env: ${spec.env.join(", ")}`,
      spec.defaultText === undefined ? "" : `default: ${plain(spec.defaultText)}`,
    ].filter((s) => s !== "");
    const description = wrap(plain(spec.description), COLUMN);
    const right =
      extra.length === 0
        ? description
        : `${description}\n${" ".repeat(COLUMN)}${wrap(`[${extra.join("; ")}]`, COLUMN)}`;
    return left.length >= COLUMN - 1
      ? `${left}\n${" ".repeat(COLUMN)}${right}`
      : `${left.padEnd(COLUMN)}${right}`;
  });
  return rows.join("\n");
}

/** One line per command: the main help and the runbook's command reference (scripts/docs.ts) list these. */
export const COMMAND_SUMMARIES: Readonly<Record<string, string>> = {
  run: "Consume the queue into PostgreSQL (follows forever; --until-empty drains and exits; --dry-run looks).",
  keygen: "Print a new random masking key (for SECURELOG_KEY or --key-file).",
  demo: "The whole pipeline on an embedded SQS emulator and embedded PostgreSQL, seeded with sample events.",
  reveal: "Recover raw values of reversible masks (--mask encrypt), recording each in securelog_audit.",
  forget: "Delete every row and rejection of one raw ip or device id (an erasure request); --dry-run counts.",
  rekey: "Re-mask stored reversible values under the current key after a key rotation.",
  stats: "What is in the table: rows, distinct devices and ips, shared devices, distributions, rejections.",
  prune: "Forget idempotency-ledger entries older than the queue's retention period.",
  replay: "Move messages from a dead-letter queue back to the main queue (--from-dlq URL).",
};

const EXIT_LINES = EXIT_CODES.map(
  ({ code, meaning }) => `  ${String(code).padEnd(5)}${wrap(meaning, 7)}`,
).join("\n");

export const MAIN_HELP = `securelog — move login events from SQS into PostgreSQL, masking ip and device_id on the way.

Usage: securelog <command> [options]

Commands:
${Object.entries(COMMAND_SUMMARIES)
  .map(([name, summary]) => `  ${name.padEnd(10)}${summary}`)
  .join("\n")}
  help      Show help for a command: securelog help run

Run \`securelog <command> --help\` (or -h) for a command's options; \`securelog --version\` for the version.

Exit codes:
${EXIT_LINES}
`;

export const RUN_HELP = `Usage: securelog run [options]

Long-polls the SQS queue, validates each message, masks ip and device_id, converts app_version, and loads rows
into user_logins (rejections into user_logins_rejects). A message is deleted from the queue only after its row
or rejection is committed. The masking key comes from SECURELOG_KEY (as printed by \`securelog keygen\`) or
--key-file. --dry-run shows what a run would do with the messages waiting, and changes nothing.

Options (flag > environment variable > default):
${optionLines(RUN_OPTIONS)}

Examples:
  export SECURELOG_KEY="$(securelog keygen)"
  securelog run --until-empty
  securelog run --queue-url https://sqs.eu-west-1.amazonaws.com/123456789012/login-queue \\
                --database-url postgres://etl@db.internal:5432/analytics
`;

export const KEYGEN_HELP = `Usage: securelog keygen [--out FILE]
       securelog keygen --convert [--out FILE] < OLD-KEYS

Prints a new masking key: slk1_, 32 random bytes in base64url and a checksum, exactly what SECURELOG_KEY and
--key-file expect. Passphrases and hand-made keys are refused everywhere; only generated keys are accepted.

Options:
${optionLines(KEYGEN_OPTIONS)}

Keep the key secret and separate from the database: whoever has both can test guesses of ip and device_id.
Losing it means new rows no longer match old ones for the same device.
`;

export const DEMO_HELP = `Usage: securelog demo [--data-dir DIR] [--fresh]

Runs the whole pipeline on this machine with nothing else installed: an in-process SQS emulator (fauxqs) with
queue login-queue seeded from samples/login-events.jsonl, and an embedded PostgreSQL (PGlite, kept in DIR),
both listening on 127.0.0.1 only, with a demo key generated into DIR. Prints the summary and a few masked
rows.
It needs the development install (npm ci in a clone): the emulator and PGlite are dev dependencies.

Options:
${optionLines(DEMO_OPTIONS)}
`;

const KEYS_NOTE = `Keys: the current key (SECURELOG_KEY, or the first key of --key-file) and previous keys (further lines of
the key file, or SECURELOG_PREVIOUS_KEYS, comma-separated) are all tried.`;

export const REVEAL_HELP = `Usage: securelog reveal --reason TEXT MASKED...
       securelog reveal --reason TEXT -        (reveal every masked value in standard input, e.g. psql output)

Recovers the raw ip or device id behind masks made with --mask encrypt. One-way masks (hmac, sha256) cannot
be revealed, by design. A wrong key or an altered value is an error, never garbage. Each revealed value is
recorded in securelog_audit (time, masked value, --reason, operator) before it is printed; no audit, no
reveal.

Options:
${optionLines(PRIVACY_OPTIONS)}

${KEYS_NOTE}
Example:
  psql -At -c "select masked_ip from user_logins limit 3" | securelog reveal --reason "INC-1234" -
`;

export const FORGET_HELP = `Usage: securelog forget (--ip VALUE | --device-id VALUE) [--dry-run] [--reason TEXT]

Answers an erasure request: deletes every row of user_logins and every rejection whose masked value matches
the raw value given, under any loaded key, in one transaction, and records the deletion in securelog_audit
(a masked value and a count, never the raw value). --dry-run lists what would be deleted.

Options:
${optionLines({ ...FORGET_OPTIONS, ...PRIVACY_OPTIONS })}

${KEYS_NOTE}
`;

export const REKEY_HELP = `Usage: securelog rekey [--batch-size N] [--reason TEXT]

After a key rotation (new key current, old key loaded as a previous key), re-masks the reversible values
(--mask encrypt) stored under older keys with the current key, in batches of N distinct values (default 1000),
each committed on its own, so it can be stopped and run again. One-way masks (hmac) cannot be re-masked: their
raw values are gone; rekey says how many rows that concerns and exits 2.

Options:
${optionLines({ ...REKEY_OPTIONS, ...PRIVACY_OPTIONS })}

${KEYS_NOTE}
`;

export const PRUNE_HELP = `Usage: securelog prune [--older-than DAYS] [--queue-url URL] [--database-url URL]

Deletes entries of the idempotency ledger (securelog_processed) older than the queue keeps a message (its
MessageRetentionPeriod, read from the queue, in whole days): past that no redelivery can arrive, so the entry
protects nothing. A younger --older-than is refused without --force: a late redelivery would load a second
row.
Run it daily (deploy/kubernetes/prune-cronjob.yaml does).

Options:
${optionLines(PRUNE_OPTIONS)}
`;

export const REPLAY_HELP = `Usage: securelog replay --from-dlq URL [--queue-url URL] [--endpoint URL] [--region REGION]

Moves every message of a dead-letter queue back to the main queue (--queue-url / SQS_QUEUE_URL), for example
after fixing what made them fail. Each message is sent first and deleted from the dead-letter queue only
afterwards; it keeps its first MessageId in the SecureLogOriginalId attribute, signed with the masking key, so
the ledger still recognises a message that was committed before it was dead-lettered.

Options:
${optionLines(REPLAY_OPTIONS)}
`;

export const STATS_HELP = `Usage: securelog stats [--json] [--database-url URL]

Reads user_logins and user_logins_rejects and prints: rows, distinct users, distinct (masked) devices and ips,
devices seen with more than one user, the date range, the app_version, locale and device_type distributions,
and rejections by reason. Masked values only, as stored.

Options:
${optionLines(STATS_OPTIONS)}
`;
