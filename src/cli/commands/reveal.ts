import { type Flags, settingsOf } from "../../config/settings.ts";
import { SecureLogError } from "../../errors.ts";
import type { KeyRing } from "../../transform/mask-key.ts";
import { UsageError } from "../cli-error.ts";
import type { Command } from "../command.ts";
import { type CliIo, print, printJson, readAll } from "../io.ts";
import { printable } from "../printable.ts";
import { operatorName, requiredReason } from "../privacy-options.ts";
import { KEYS_NOTE, PRIVACY_OPTIONS } from "./privacy.ts";

export const reveal: Command = {
  name: "reveal",
  summary: "Recover raw values of reversible masks (--mask encrypt), recording each in securelog_audit.",
  about: `Usage: securelog reveal --reason TEXT MASKED...
       securelog reveal --reason TEXT -        (reveal every masked value in standard input, e.g. psql output)

Recovers the raw ip or device id behind masks made with --mask encrypt. One-way masks (hmac, sha256) cannot
be revealed, by design. A wrong key or an altered value is an error, never garbage. Each revealed value is
recorded in securelog_audit (time, masked value, --reason, operator) before it is printed; no audit, no
reveal.`,
  options: PRIVACY_OPTIONS,
  footer: `${KEYS_NOTE}
Example:
  psql -At -c "select masked_ip from user_logins limit 3" | securelog reveal --reason "INC-1234" -`,
  positionals: true,
  run: (flags, positionals, io) => revealValues(flags, positionals, io),
};

/**
 * Opens every token it can. The audit keeps a keyed one-way digest of each revealed value, never the mask: an
 * enc: value in the audit table would open to the very value whose disclosure it records.
 */
async function revealAll(tokens: readonly string[], keys: KeyRing) {
  const { erasureDigest } = await import("../../transform/erasure.ts");
  const { explainRevealFailure, reveal } = await import("../../transform/reveal.ts");
  const revealed = new Map<string, string>();
  const digests = new Set<string>();
  const failures: string[] = [];
  for (const token of tokens) {
    const result = reveal(token, keys);
    if (result.ok) {
      revealed.set(token, result.value);
      digests.add(erasureDigest(keys.current, result.domain, result.value));
    } else failures.push(`${token.slice(0, 24)}… ${explainRevealFailure(result)}`);
  }
  return { revealed, digests, failures };
}

/**
 * `securelog reveal --reason R VALUE...` prints the raw value of each reversible mask, one per line;
 * `securelog reveal --reason R -` copies standard input to standard output with every mask in it revealed.
 * Every revealed value is recorded in securelog_audit (masked value, reason, operator) before it is shown:
 * if the audit cannot be written, nothing is revealed.
 */
async function revealValues(flags: Flags, values: readonly string[], io: CliIo): Promise<number> {
  const { loadDatabase } = await import("../../config/database.ts");
  const { loadKeyRing } = await import("../../config/keys.ts");
  const { withDatabase } = await import("../../sink/database.ts");
  const { insertRevealAudit } = await import("../../sink/sql/privacy.ts");
  const { ENCRYPTED_IN_TEXT } = await import("../../transform/reveal.ts");
  const env = io.env;
  const reason = requiredReason(flags, "reveal", "a ticket or request id");
  if (values.length === 0)
    throw new UsageError("give masked values to reveal, or - to read them from standard input");
  const keys = loadKeyRing(flags, env);
  const database = loadDatabase(flags, env);
  const fromStdin = values.length === 1 && values[0] === "-";
  const { json } = settingsOf(PRIVACY_OPTIONS, flags, io.env);
  if (fromStdin && json)
    throw new UsageError(
      "--json takes masked values as arguments; reveal - copies text, which has no JSON form",
    );
  const text = fromStdin ? await readAll(io.stdin) : "";
  const tokens = fromStdin ? [...new Set(text.match(ENCRYPTED_IN_TEXT) ?? [])] : [...values];

  const { revealed, digests, failures } = await revealAll(tokens, keys);
  if (!fromStdin && failures.length > 0) {
    throw new SecureLogError("reveal_failed", `cannot reveal ${failures[0]}`);
  }
  await withDatabase(database, { require: [], create: ["audit"] }, (client, t) =>
    client.query(insertRevealAudit(t), [[...digests], reason, operatorName()]),
  );
  if (fromStdin) {
    io.stdout.write(text.replace(ENCRYPTED_IN_TEXT, (token) => printable(revealed.get(token) ?? token)));
    for (const failure of failures) print(io.stderr, `securelog: left as is: ${failure}`);
    return failures.length > 0 ? 1 : 0;
  }
  if (json) {
    // Exact values (JSON escapes what a terminal would act on), in the order given.
    printJson(io.stdout, {
      values: tokens.map((masked) => ({ masked, value: revealed.get(masked) ?? null })),
    });
    return 0;
  }
  // A device id may hold any text, escape sequences and new lines included: escaped, one value per line.
  for (const token of tokens) print(io.stdout, printable(revealed.get(token) ?? ""));
  return 0;
}
