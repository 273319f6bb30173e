import type pg from "pg";
import { type Env, type Flags, loadDatabase, loadMaskConfig } from "../config.ts";
import { ConfigError } from "../errors.ts";
import { withDatabase } from "../sink/database.ts";
import {
  type BodyField,
  countOtherKeyRows,
  insertAudit,
  type MaskedColumn,
  remapLogins,
  remapRejects,
  staleLoginValues,
  staleRejectValues,
} from "../sink/sql/privacy.ts";
import type { Tables } from "../sink/sql/tables.ts";
import { inTransaction } from "../sink/transaction.ts";
import { createMasker, type Masker } from "../transform/mask.ts";
import type { KeyRing } from "../transform/mask-key.ts";
import { reveal } from "../transform/reveal.ts";
import { type CliIo, print } from "./io.ts";
import { operatorName, reasonOr } from "./privacy-options.ts";

export const REKEY_OPTIONS = { "batch-size": { type: "string" } } as const;

interface Pass {
  readonly select: string;
  readonly update: string;
  readonly domain: BodyField;
}

const passes = (t: Tables): Pass[] =>
  (["masked_ip", "masked_device_id"] as MaskedColumn[]).flatMap((column) => {
    const domain: BodyField = column === "masked_ip" ? "ip" : "device_id";
    return [
      { select: staleLoginValues(t, column), update: remapLogins(t, column), domain },
      { select: staleRejectValues(t, domain), update: remapRejects(t, domain), domain },
    ];
  });

/** Re-masks one table column in pages: open with whichever loaded key made it, seal with the current key. */
async function rekeyPass(
  client: pg.PoolClient,
  pass: Pass,
  keys: KeyRing,
  masker: Masker,
  batchSize: number,
): Promise<{ values: number; rows: number; unopenable: number }> {
  const notCurrent = `enc:${keys.current.id}:%`;
  let after = "";
  let values = 0;
  let rows = 0;
  let unopenable = 0;
  for (;;) {
    const page = await client.query<{ v: string }>(pass.select, [notCurrent, after, batchSize]);
    if (page.rows.length === 0) return { values, rows, unopenable };
    const old: string[] = [];
    const fresh: string[] = [];
    for (const { v } of page.rows) {
      const opened = reveal(v, keys);
      if (opened.ok && opened.domain === pass.domain) {
        old.push(v);
        fresh.push(masker.mask(pass.domain, opened.value));
      } else unopenable++;
    }
    after = page.rows.at(-1)?.v ?? after;
    if (old.length > 0)
      rows += await inTransaction(
        client,
        async () => (await client.query(pass.update, [old, fresh])).rowCount ?? 0,
      );
    values += old.length;
  }
}

/**
 * `securelog rekey`: after a key rotation (new key current, old key loaded as previous), re-mask the stored
 * reversible values under the current key, in batches, each committed on its own so a long rekey can be
 * stopped and resumed. One-way masks cannot be re-masked: the raw values are gone, which this says plainly.
 */
export async function rekeyCommand(flags: Flags, io: CliIo, env: Env): Promise<number> {
  const mask = loadMaskConfig(flags, env);
  const batchText = flags["batch-size"];
  const batchSize = typeof batchText === "string" ? Number(batchText) : 1000;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) {
    throw new ConfigError("--batch-size must be a whole number from 1 to 100000");
  }
  if (mask.mode === "sha256") throw new ConfigError("nothing to rekey: --mask sha256 uses no key");
  const keys = mask.keys;
  const database = loadDatabase(flags, env);
  const reason = reasonOr(flags, "key rotation");
  const needs = { require: ["logins", "rejects"], create: ["audit"] } as const;
  return withDatabase(database, needs, async (client, t) => {
    if (mask.mode === "hmac") {
      const other = await client.query<{ n: number }>(countOtherKeyRows(t), [`${keys.current.id}:%`]);
      const n = other.rows[0]?.n ?? 0;
      if (n === 0) {
        print(io.stdout, `every row is already masked with the current key ${keys.current.id}.`);
        return 0;
      }
      throw new ConfigError(
        `${n} rows hold one-way (hmac) masks made with other keys. Their raw values are not recoverable, so they cannot be re-masked; keep the old keys loaded as previous keys so that forget still finds them. Reversible masks (--mask encrypt) can be rekeyed.`,
        "rekey_impossible",
      );
    }
    const masker = createMasker(mask);
    let values = 0;
    let rows = 0;
    let unopenable = 0;
    for (const pass of passes(t)) {
      const result = await rekeyPass(client, pass, keys, masker, batchSize);
      values += result.values;
      rows += result.rows;
      unopenable += result.unopenable;
    }
    await client.query(insertAudit(t), ["rekey", null, rows, reason, operatorName()]);
    print(io.stdout, `re-masked ${values} distinct values in ${rows} rows under key ${keys.current.id}.`);
    if (unopenable > 0) {
      print(
        io.stderr,
        `${unopenable} values could not be opened with the loaded keys (load their key as a previous key and run rekey again).`,
      );
      return 1;
    }
    return 0;
  });
}
