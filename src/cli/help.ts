import { type OptionSpec, RUN_OPTIONS } from "../config-options.ts";
import { PRIVACY_OPTIONS } from "./options.ts";

function optionLines(options: Record<string, OptionSpec>): string {
  const rows = Object.entries(options).map(([name, spec]) => {
    const left = `  --${name}${spec.valueName === undefined ? "" : ` ${spec.valueName}`}`;
    const extra = [
      spec.env === undefined ? "" : `env: ${spec.env.join(", ")}`,
      spec.defaultText === undefined ? "" : `default: ${spec.defaultText}`,
    ].filter((s) => s !== "");
    const right =
      extra.length === 0 ? spec.description : `${spec.description}\n${" ".repeat(32)}[${extra.join("; ")}]`;
    return left.length >= 31 ? `${left}\n${" ".repeat(32)}${right}` : `${left.padEnd(32)}${right}`;
  });
  return rows.join("\n");
}

export const MAIN_HELP = `securelog — move login events from SQS into PostgreSQL, masking ip and device_id on the way.

Usage: securelog <command> [options]

Commands:
  run       Consume the queue into PostgreSQL (follows forever; --until-empty drains and exits).
  keygen    Print a new random masking key (for SECURELOG_KEY or --key-file).
  demo      The whole pipeline on an embedded SQS emulator and embedded PostgreSQL, seeded with sample events.
  reveal    Recover raw values of reversible masks (--mask encrypt), recording each in securelog_audit.
  forget    Delete every row and rejection of one raw ip or device id (an erasure request); --dry-run lists them.
  rekey     Re-mask stored reversible values under the current key after a key rotation.
  stats     What is in the table: rows, distinct devices and ips, shared devices, distributions, rejections.
  prune     Forget idempotency-ledger entries older than the queue's retention (default 14 days).
  replay    Move messages from a dead-letter queue back to the main queue (--from-dlq URL).
  help      Show help for a command: securelog help run

Run \`securelog <command> --help\` for a command's options.
Exit codes: 0 done, 1 runtime failure (unreachable service, missing queue), 2 bad usage or configuration.
`;

export const RUN_HELP = `Usage: securelog run [options]

Long-polls the SQS queue, validates each message, masks ip and device_id, converts app_version, and loads rows
into user_logins (rejections into user_logins_rejects). A message is deleted from the queue only after its row
or rejection is committed. The masking key comes from SECURELOG_KEY (base64, from \`securelog keygen\`) or --key-file.

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
  --out FILE   Write the key to FILE (created with mode 0600, never overwritten) instead of printing it.
  --convert    Read keys of the previous format (plain base64 of 32 bytes, as keygen printed them before, or
               as a KMS generates them: aws kms generate-random --number-of-bytes 32) from standard input, in
               key-file syntax, and print them in the current form, same order. The masks stay the same.
  --help       Show this help.

Keep the key secret and separate from the database: whoever has both can test guesses of ip and device_id.
Losing it means new rows no longer match old ones for the same device.
`;

export const DEMO_HELP = `Usage: securelog demo [--data-dir DIR] [--fresh]

Runs the whole pipeline on this machine with nothing else installed: an in-process SQS emulator (fauxqs) with
queue login-queue seeded from samples/login-events.jsonl, and an embedded PostgreSQL (PGlite, kept in DIR),
both listening on 127.0.0.1 only, with a demo key generated into DIR. Prints the summary and a few masked rows.
  --data-dir DIR   Where the embedded database and demo key live (default: .securelog/demo).
  --fresh          Delete DIR's database first, so counts start from zero.
  --log-level LVL  Log level for the run (default: warn).
  --help           Show this help.
`;

const KEYS_NOTE = `Keys: the current key (SECURELOG_KEY, or the first key of --key-file) and previous keys (further lines of
the key file, or SECURELOG_PREVIOUS_KEYS, comma-separated) are all tried.`;

export const REVEAL_HELP = `Usage: securelog reveal --reason TEXT MASKED...
       securelog reveal --reason TEXT -        (reveal every masked value in standard input, e.g. psql output)

Recovers the raw ip or device id behind masks made with --mask encrypt. One-way masks (hmac, sha256) cannot
be revealed, by design. A wrong key or an altered value is an error, never garbage. Each revealed value is
recorded in securelog_audit (time, masked value, --reason, operator) before it is printed; no audit, no reveal.

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
  --ip VALUE          The raw IP address (any spelling: ::ffff:1.2.3.4 and 1.2.3.4 are one address).
  --device-id VALUE   The raw device id.
  --dry-run           List the matching rows and rejections; delete nothing.
${optionLines(PRIVACY_OPTIONS)}

${KEYS_NOTE}
`;

export const REKEY_HELP = `Usage: securelog rekey [--batch-size N] [--reason TEXT]

After a key rotation (new key current, old key loaded as a previous key), re-masks the reversible values
(--mask encrypt) stored under older keys with the current key, in batches of N distinct values (default 1000),
each committed on its own, so it can be stopped and run again. One-way masks (hmac) cannot be re-masked: their
raw values are gone; rekey says how many rows that concerns and exits 2.

Options:
  --batch-size N      Distinct values re-masked per transaction (default 1000).
${optionLines(PRIVACY_OPTIONS)}

${KEYS_NOTE}
`;

export const PRUNE_HELP = `Usage: securelog prune [--older-than DAYS] [--database-url URL]

Deletes entries of the idempotency ledger (securelog_processed) older than DAYS (default 14, the longest time SQS
keeps a message). Older entries can no longer protect against a redelivery. Do not prune below the queue's
MessageRetentionPeriod: a late redelivery would then load a second row.
`;

export const REPLAY_HELP = `Usage: securelog replay --from-dlq URL [--queue-url URL] [--endpoint URL] [--region REGION]

Moves every message of a dead-letter queue back to the main queue (--queue-url / SQS_QUEUE_URL), for example
after fixing what made them fail. Each message is sent first and deleted from the dead-letter queue only
afterwards; it keeps its first MessageId in the SecureLogOriginalId attribute, so the ledger still recognises a
message that was committed before it was dead-lettered.
`;

export const STATS_HELP = `Usage: securelog stats [--json] [--database-url URL]

Reads user_logins and user_logins_rejects and prints: rows, distinct users, distinct (masked) devices and ips,
devices seen with more than one user, the date range, the app_version, locale and device_type distributions,
and rejections by reason. --json prints the same as JSON. Masked values only, as stored.
`;
