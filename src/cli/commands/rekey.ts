import type pg from "pg";
import type { OptionSpec } from "../../config/option-spec.ts";
import { type Flags, settingsOf } from "../../config/settings.ts";
import type { Tables } from "../../sink/sql/tables.ts";
import type { KeyRing } from "../../transform/mask-key.ts";
import type { Command } from "../command.ts";
import { type CliIo, print, printJson } from "../io.ts";
import { operatorName, reasonOr } from "../privacy-options.ts";
import { KEYS_NOTE, PRIVACY_OPTIONS } from "./privacy.ts";

const BATCH_SIZE = {
  type: "string",
  valueName: "N",
  integer: { min: 1, max: 100_000, default: 1000 },
  description: "Distinct values re-masked per transaction (each committed on its own).",
} as const satisfies OptionSpec;

/** The options of `securelog rekey`, typed for its settings (settingsOf). */
const OPTIONS = {
  "batch-size": BATCH_SIZE,
  ...PRIVACY_OPTIONS,
} as const satisfies Record<string, OptionSpec>;

export const rekey: Command = {
  name: "rekey",
  summary: "Re-mask stored reversible values under the current key after a key rotation.",
  about: `Usage: securelog rekey [--batch-size N] [--reason TEXT]

After a key rotation (new key current, old key loaded as a previous key), re-masks the reversible values
(--mask encrypt) stored under older keys with the current key, in batches of N distinct values, each
committed on its own, so it can be stopped and run again. One-way masks (hmac) cannot be re-masked: their raw
values are gone; rekey says, per scheme and key, what it left as it was and why, and then exits 1.`,
  options: OPTIONS,
  footer: KEYS_NOTE,
  run: (flags, _, io) => rekeyValues(flags, io),
};

/** Stored values not under the current key, by scheme and key, and why each kind stays as it is. */
async function leftBehind(client: pg.PoolClient, t: Tables, keys: KeyRing): Promise<string[]> {
  const { maskKindCounts } = await import("../../sink/table-contents.ts");
  const loaded = new Set(keys.all.map((k) => k.id));
  const notes: string[] = [];
  for (const { kind, n } of await maskKindCounts(client, t)) {
    const [scheme, keyId] = kind.split(":");
    if (keyId === keys.current.id || scheme === "other") continue;
    if (scheme === "sha256") notes.push(`${n} values masked with unkeyed sha256: no key to rotate`);
    else if (scheme === "hmac")
      notes.push(
        `${n} values hold one-way hmac masks under key ${keyId}: their raw values are gone, so they cannot be re-masked; keep ${keyId} loaded as a previous key (forget needs it)`,
      );
    else if (!loaded.has(keyId ?? ""))
      notes.push(
        `${n} reversible values under key ${keyId}, which is not loaded: load it as a previous key and run rekey again`,
      );
    else notes.push(`${n} reversible values under key ${keyId} could not be opened (altered?)`);
  }
  return notes;
}

/**
 * `securelog rekey`: after a key rotation (new key current, old key loaded as previous), re-mask the stored
 * reversible values under the current key, in batches, each committed on its own so a long rekey can be
 * stopped and resumed. It needs no --mask: it reads each value's scheme and key off the value, re-masks what it
 * can (encrypt under a loaded key) and says, per scheme and key, what it cannot and why. Exit 0 when everything
 * is under the current key (or unkeyed), 1 when something is left.
 */
async function rekeyValues(flags: Flags, io: CliIo): Promise<number> {
  const { loadDatabase } = await import("../../config/database.ts");
  const { loadKeyRing } = await import("../../config/keys.ts");
  const { withDatabase } = await import("../../sink/database.ts");
  const { rekeyStored } = await import("../../sink/rekey.ts");
  const { "batch-size": batchSize, json } = settingsOf(OPTIONS, flags, io.env);
  const keys = loadKeyRing(flags, io.env);
  const database = loadDatabase(flags, io.env);
  const reason = reasonOr(flags, "key rotation");
  const needs = { require: ["logins", "rejects"], create: ["audit", "config"] } as const;
  return withDatabase(database, needs, async (client, t) => {
    const { values, rows, retired } = await rekeyStored(client, t, keys, batchSize, {
      reason,
      operator: operatorName(),
    });
    const notes = await leftBehind(client, t, keys);
    if (json) {
      printJson(io.stdout, { key: keys.current.id, values, rows, retiredKeys: retired, notRemasked: notes });
    } else {
      print(
        io.stdout,
        `re-masked ${values} distinct reversible values in ${rows} rows under key ${keys.current.id}.`,
      );
      if (retired.length > 0) print(io.stdout, `no value is masked under ${retired.join(", ")} any more.`);
    }
    for (const note of notes) print(io.stderr, `not re-masked: ${note}.`);
    return notes.length > 0 ? 1 : 0;
  });
}
