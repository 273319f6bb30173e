import type pg from "pg";
import { type Env, type Flags, loadDatabase, loadKeyRing } from "../config.ts";
import { withDatabase } from "../sink/database.ts";
import {
  type BodyField,
  insertAudit,
  type MaskedColumn,
  remapLogins,
  remapRejects,
  staleLoginValues,
  staleRejectValues,
} from "../sink/sql/privacy.ts";
import { maskKinds } from "../sink/sql/stats.ts";
import type { Tables } from "../sink/sql/tables.ts";
import { inTransaction } from "../sink/transaction.ts";
import { createMasker, type Masker } from "../transform/mask.ts";
import type { KeyRing } from "../transform/mask-key.ts";
import { reveal } from "../transform/reveal.ts";
import { type CliIo, print } from "./io.ts";
import { operatorName, reasonOr } from "./privacy-options.ts";

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

/** Stored values not under the current key, by scheme and key, and why each kind stays as it is. */
async function leftBehind(client: pg.PoolClient, t: Tables, keys: KeyRing): Promise<string[]> {
  const loaded = new Set(keys.all.map((k) => k.id));
  const notes: string[] = [];
  for (const { kind, n } of (await client.query<{ kind: string; n: number }>(maskKinds(t))).rows) {
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

/** Keys that no longer mask anything stop being required by `run` (masking-config.ts). */
const forgetRetiredKeys = (t: Tables) => `DELETE FROM ${t.config} c WHERE c.name LIKE 'key:%'
  AND c.name <> 'key:' || $1 AND NOT EXISTS (SELECT 1 FROM ${t.logins}
    WHERE split_part(masked_ip, ':', CASE WHEN masked_ip LIKE 'enc:%' THEN 2 ELSE 1 END) = substr(c.name, 5)
       OR split_part(masked_device_id, ':', CASE WHEN masked_device_id LIKE 'enc:%' THEN 2 ELSE 1 END) = substr(c.name, 5))
  RETURNING substr(c.name, 5) AS id`;

/**
 * `securelog rekey`: after a key rotation (new key current, old key loaded as previous), re-mask the stored
 * reversible values under the current key, in batches, each committed on its own so a long rekey can be
 * stopped and resumed. It needs no --mask: it reads each value's scheme and key off the value, re-masks what it
 * can (encrypt under a loaded key) and says, per scheme and key, what it cannot and why. Exit 0 when everything
 * is under the current key (or unkeyed), 1 when something is left.
 */
export async function rekeyCommand(flags: Flags, io: CliIo, env: Env, batchSize: number): Promise<number> {
  const keys = loadKeyRing(flags, env);
  const database = loadDatabase(flags, env);
  const reason = reasonOr(flags, "key rotation");
  const needs = { require: ["logins", "rejects"], create: ["audit", "config"] } as const;
  return withDatabase(database, needs, async (client, t) => {
    const masker = createMasker({ mode: "encrypt", keys });
    let values = 0;
    let rows = 0;
    for (const pass of passes(t)) {
      const result = await rekeyPass(client, pass, keys, masker, batchSize);
      values += result.values;
      rows += result.rows;
    }
    await client.query(insertAudit(t), ["rekey", null, rows, reason, operatorName()]);
    const retired = (await client.query<{ id: string }>(forgetRetiredKeys(t), [keys.current.id])).rows.map(
      (r) => r.id,
    );
    print(
      io.stdout,
      `re-masked ${values} distinct reversible values in ${rows} rows under key ${keys.current.id}.`,
    );
    if (retired.length > 0) print(io.stdout, `no value is masked under ${retired.join(", ")} any more.`);
    const notes = await leftBehind(client, t, keys);
    for (const note of notes) print(io.stderr, `not re-masked: ${note}.`);
    return notes.length > 0 ? 1 : 0;
  });
}
