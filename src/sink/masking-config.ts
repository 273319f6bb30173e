import type pg from "pg";
import { SecureLogError } from "../errors.ts";
import { LOCK_SCHEMA } from "./sql/create-schema.ts";
import { MASK_KIND } from "./sql/mask-kind.ts";
import type { Tables } from "./sql/tables.ts";
import { inTransaction } from "./transaction.ts";

/** What `run` masks and converts with. */
export interface MaskingSettings {
  readonly scheme: "hmac" | "encrypt" | "sha256";
  readonly appVersion: "major" | "packed";
  /** Loaded key ids, the current first; empty for sha256. */
  readonly keyIds: readonly string[];
}

const existingKinds = (t: Tables) => `SELECT DISTINCT kind FROM (
  SELECT ${MASK_KIND("masked_ip")} AS kind FROM ${t.logins}
  UNION ALL SELECT ${MASK_KIND("masked_device_id")} FROM ${t.logins}
  UNION ALL SELECT ${MASK_KIND("(masked_body->>'ip')")} FROM ${t.rejects} WHERE masked_body ? 'ip'
  UNION ALL SELECT ${MASK_KIND("(masked_body->>'device_id')")} FROM ${t.rejects} WHERE masked_body ? 'device_id'
) kinds`;

const uncheckableErasures = (t: Tables) => `SELECT count(*)::int AS n FROM (SELECT erasure FROM ${t.erasures}
  GROUP BY erasure HAVING NOT bool_or(split_part(digest, ':', 1) = ANY($1::text[]))) e`;

function mismatch(message: string): SecureLogError {
  return new SecureLogError("masking_mismatch", message, { exitCode: 2 });
}

/** The scheme and app_version mode recorded for the table are this run's. */
function sameSchemeAndMode(
  recorded: ReadonlyMap<string, string>,
  settings: MaskingSettings,
  t: Tables,
): void {
  const scheme = recorded.get("scheme") ?? settings.scheme;
  if (scheme !== settings.scheme) {
    throw mismatch(
      `${t.schema}.user_logins is masked with --mask ${scheme}; this run uses --mask ${settings.scheme}. One table holds one masking scheme: run with --mask ${scheme}, or use another --schema or database.`,
    );
  }
  const appVersion = recorded.get("app_version") ?? settings.appVersion;
  if (appVersion !== settings.appVersion) {
    throw mismatch(
      `${t.schema}.user_logins holds app_version as --app-version ${appVersion}; this run uses --app-version ${settings.appVersion}. Run with --app-version ${appVersion}, or use another --schema or database.`,
    );
  }
}

/** Every key that has masked values in the table is loaded (the current one is recorded by now). */
function allKeysLoaded(recorded: ReadonlyMap<string, string>, settings: MaskingSettings, t: Tables): void {
  const unloaded = [...recorded.keys()]
    .filter((name) => name.startsWith("key:"))
    .map((name) => name.slice(4))
    .filter((id) => !settings.keyIds.includes(id));
  if (unloaded.length > 0) {
    throw mismatch(
      `${t.schema}.user_logins holds values masked with key ${unloaded.join(", ")}, which this run has not loaded (keys loaded: ${settings.keyIds.join(", ") || "none"}). A different key would give the same device another mask. To rotate, make the new key current and keep the old one as a previous key (key file: new key first, old key on the next line; or SECURELOG_KEY="new,old").`,
    );
  }
}

/**
 * One table, one masking configuration. The scheme and app_version mode are recorded when SecureLog first writes
 * the tables (for tables written before this was recorded: read off the masks already there), and so is every key
 * that masks values in them. A run with another scheme or mode, or without a key that has masked values there,
 * exits 2 naming both: mixing them silently gave one device several masks, which breaks counts and joins and
 * makes erasure miss rows. A rotation is not a mismatch: the new key is current and the old one loaded as
 * previous. Runs starting at once see each other's records (the schema lock), so they cannot mix either.
 */
export async function checkMaskingSettings(
  client: pg.ClientBase,
  t: Tables,
  settings: MaskingSettings,
): Promise<void> {
  await inTransaction(client, async () => {
    await client.query(LOCK_SCHEMA);
    const recorded = new Map(
      (await client.query<{ name: string; value: string }>(`SELECT name, value FROM ${t.config}`)).rows.map(
        (r) => [r.name, r.value],
      ),
    );
    const firstTime = !recorded.has("scheme");
    if (firstTime) await adopt(client, t, settings, recorded);
    sameSchemeAndMode(recorded, settings, t);
    const current = settings.keyIds[0];
    // Written only when something is new (the first run, a new current key), so that afterwards a database user
    // with SELECT on this table suffices.
    const news = current !== undefined && !recorded.has(`key:${current}`);
    const fresh = firstTime || news;
    if (current !== undefined) recorded.set(`key:${current}`, "");
    allKeysLoaded(recorded, settings, t);
    const orphans =
      (await client.query<{ n: number }>(uncheckableErasures(t), [settings.keyIds])).rows[0]?.n ?? 0;
    if (orphans > 0) {
      throw mismatch(
        `the erasure register in ${t.schema} holds ${orphans} erased values under keys this run has not loaded, so it could not keep them out if they arrive again. Load those keys as previous keys.`,
      );
    }
    if (!fresh) return;
    await client.query(
      `INSERT INTO ${t.config} (name, value) VALUES ('scheme', $1), ('app_version', $2) ${current === undefined ? "" : ", ($3, '')"} ON CONFLICT (name) DO NOTHING`,
      current === undefined
        ? [settings.scheme, settings.appVersion]
        : [settings.scheme, settings.appVersion, `key:${current}`],
    );
  });
}

/** Tables written before the configuration was recorded: take it from the masks they hold, refuse a mix. */
async function adopt(
  client: pg.ClientBase,
  t: Tables,
  settings: MaskingSettings,
  recorded: Map<string, string>,
) {
  const kinds = (await client.query<{ kind: string }>(existingKinds(t))).rows.map((r) => r.kind);
  const schemes = [...new Set(kinds.map((kind) => kind.split(":")[0] ?? kind).filter((s) => s !== "other"))];
  if (schemes.length > 1) {
    throw mismatch(
      `${t.schema}.user_logins already holds masks of several schemes (${schemes.join(", ")}): one device has several masks there. Keep one (securelog stats shows what is there; forget and rekey work across them) before loading more.`,
    );
  }
  if (schemes[0] !== undefined) recorded.set("scheme", schemes[0]);
  for (const kind of kinds) if (kind.includes(":")) recorded.set(`key:${kind.split(":")[1]}`, "");
  if (recorded.get("scheme") === settings.scheme || recorded.get("scheme") === undefined) {
    for (const name of recorded.keys()) {
      if (name.startsWith("key:")) {
        await client.query(
          `INSERT INTO ${t.config} (name, value) VALUES ($1, '') ON CONFLICT (name) DO NOTHING`,
          [name],
        );
      }
    }
  }
}
