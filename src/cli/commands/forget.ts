import type { OptionSpec } from "../../config/option-spec.ts";
import { type Env, type Flags, type Settings, settingsOf } from "../../config/settings.ts";
import { ConfigError, SecureLogError } from "../../errors.ts";
import type { ErasureReport, ErasureTarget } from "../../sink/erase.ts";
import type { ReapplyReport, RegisterEntry } from "../../sink/reapply.ts";
import type { PiiDomain } from "../../transform/mask.ts";
import type { KeyRing } from "../../transform/mask-key.ts";
import { UsageError } from "../cli-error.ts";
import type { Command } from "../command.ts";
import { type CliIo, print, printJson } from "../io.ts";
import { operatorName, reasonOr, requiredReason } from "../privacy-options.ts";
import { KEYS_NOTE, PRIVACY_OPTIONS } from "./privacy.ts";

/** The options of `securelog forget`, typed for its settings (settingsOf). */
const OPTIONS = {
  ip: {
    type: "string",
    valueName: "VALUE",
    description: "The raw IP address (any spelling: ::ffff:1.2.3.4 and 1.2.3.4 are one address).",
  },
  "device-id": { type: "string", valueName: "VALUE", description: "The raw device id." },
  "dry-run": { type: "boolean", description: "Count what matches, per scheme and key; delete nothing." },
  reapply: {
    type: "boolean",
    description:
      "After restoring a backup: erase again every value the erasure register holds (no --ip or --device-id).",
  },
  from: {
    type: "string",
    valueName: "URL",
    description:
      "With --reapply: read the register from this database (where the erasures were made) instead of the restored one.",
  },
  ...PRIVACY_OPTIONS,
} as const satisfies Record<string, OptionSpec>;

type ForgetSettings = Settings<typeof OPTIONS>;

export const forget: Command = {
  name: "forget",
  summary:
    "Delete every row and rejection of one raw ip or device id (an erasure request); --dry-run counts.",
  about: `Usage: securelog forget (--ip VALUE | --device-id VALUE) --reason TEXT
       securelog forget (--ip VALUE | --device-id VALUE) --dry-run

Answers an erasure request: deletes every row of user_logins and every rejection whose masked value matches
the raw value given, under any loaded key, in one transaction, and records the deletion in securelog_audit
(a masked value and a count, never the raw value). --dry-run lists what would be deleted.`,
  options: OPTIONS,
  footer: KEYS_NOTE,
  // --reapply is another task under the same name (erasure): a path of its own from the start.
  run: (flags, _, io) => {
    const settings = settingsOf(OPTIONS, flags, io.env);
    return settings.reapply ? reapplyRegister(flags, settings, io) : forgetValue(flags, settings, io);
  },
};

/** The keys, if any are configured: forget also finds unkeyed sha256 masks, which need none. */
async function optionalKeys(flags: Flags, env: Env): Promise<KeyRing | undefined> {
  const { loadKeyRing } = await import("../../config/keys.ts");
  const configured =
    typeof flags["key-file"] === "string" ||
    env.SECURELOG_KEY_FILE !== undefined ||
    env.SECURELOG_KEY !== undefined;
  return configured ? loadKeyRing(flags, env) : undefined;
}

/** The raw value's every stored form; the raw value itself goes no further than erasureTarget. */
async function target(
  settings: ForgetSettings,
  keys: KeyRing | undefined,
  io: CliIo,
): Promise<ErasureTarget> {
  const { erasureTarget } = await import("../../transform/erasure.ts");
  const { recognisableIp } = await import("../../transform/recognisable.ts");
  const { ip, "device-id": deviceId } = settings;
  if ((ip === undefined) === (deviceId === undefined)) {
    throw new UsageError("forget needs exactly one of --ip VALUE or --device-id VALUE (or --reapply)");
  }
  const [field, raw]: [PiiDomain, string] = ip !== undefined ? ["ip", ip] : ["device_id", deviceId ?? ""];
  // The value is not repeated in messages: error output may end up in logs.
  if (raw.trim() === "") throw new ConfigError(`--${field === "ip" ? "ip" : "device-id"} is empty`);
  if (field === "ip" && recognisableIp(raw) === undefined)
    print(
      io.stderr,
      "note: --ip is not an IPv4 or IPv6 address in any spelling; looking for it exactly as written.",
    );
  return erasureTarget(keys, field, raw);
}

function unloadedError(report: ErasureReport, what: string): SecureLogError {
  return new SecureLogError(
    "erasure_incomplete",
    `${what}, but the tables also hold values masked under ${report.unloaded.join(", ")}, which could not be checked: load those keys (as previous keys) and run forget again. The erasure is NOT complete.`,
  );
}

/**
 * `securelog forget --ip V | --device-id V [--dry-run]`: the erasure request. Finds the value in every form it can
 * be stored in (hmac, encrypt and sha256, under every loaded key, in user_logins and in rejections, including
 * other fields and key names of rejected bodies) without a --mask flag, deletes all of it in one transaction,
 * records it in the erasure register (keyed one-way digests only) so that it stays out of later loads and can be
 * erased again in a restored copy, and audits it. Masks under a key that is not loaded make it exit 1: a partial
 * erasure is never reported as complete.
 */
async function forgetValue(flags: Flags, settings: ForgetSettings, io: CliIo): Promise<number> {
  const { "dry-run": dryRun } = settings;
  const { loadDatabase } = await import("../../config/database.ts");
  const { withDatabase } = await import("../../sink/database.ts");
  const { countErasure, erase } = await import("../../sink/erase.ts");
  const env = io.env;
  // Like reveal: an erasure names the request it answers, and the audit keeps it. A dry run changes nothing.
  const reason = dryRun
    ? ""
    : requiredReason(flags, "forget", "the erasure request it answers: a ticket or request id");
  const keys = await optionalKeys(flags, env);
  const erasure = await target(settings, keys, io);
  const database = loadDatabase(flags, env);
  const needs = { require: ["logins", "rejects"], create: ["audit", "erasures"] } as const;
  const report = await withDatabase(database, needs, async (client, t) => {
    if (dryRun) return countErasure(client, t, erasure);
    return erase(client, t, erasure, {
      action: `forget_${erasure.field}`,
      reason,
      operator: operatorName(),
    });
  });
  return said(settings, io, report, erasure, keys);
}

/** Says what was (or would be) erased; exit 1 (thrown) when masks under keys not loaded could not be checked. */
async function said(
  settings: ForgetSettings,
  io: CliIo,
  report: ErasureReport,
  erasure: ErasureTarget,
  keys: KeyRing | undefined,
): Promise<number> {
  const { describeMatches, matchesJson } = await import("../../sink/erase.ts");
  const label = erasure.field === "ip" ? "the given ip" : "the given device id";
  const keysText =
    keys === undefined
      ? "no key loaded: unkeyed sha256 masks only"
      : `keys ${keys.all.map((k) => k.id).join(", ")}`;
  const { "dry-run": dryRun, json } = settings;
  if (json)
    printJson(io.stdout, {
      field: erasure.field,
      dryRun,
      keys: keys?.all.map((k) => k.id) ?? [],
      matches: matchesJson(report),
      unloaded: report.unloaded,
      complete: report.unloaded.length === 0,
    });
  const verb = dryRun ? "dry run: would delete" : "deleted";
  const what = `${verb} what matches ${label} (${keysText}): ${describeMatches(report.matches)}`;
  if (report.unloaded.length > 0) throw unloadedError(report, what);
  if (!json) print(io.stdout, `${what}.`);
  if (keys === undefined && !dryRun) {
    print(
      io.stderr,
      "warning: without a key nothing was recorded in the erasure register, so a restored backup or a replayed message could bring the value back.",
    );
  }
  return 0;
}

/**
 * `securelog forget --reapply [--from URL]`: after restoring a backup, erase again every value the erasure register
 * holds. The register is read from --from (the database the erasures were made in, or the newest copy of it) or
 * from this database itself, copied in, and applied here, whichever of the loaded keys masked the values.
 */
async function reapplyRegister(flags: Flags, settings: ForgetSettings, io: CliIo): Promise<number> {
  const { from: registerUrl } = settings;
  const { loadDatabase, loadDatabaseUrl } = await import("../../config/database.ts");
  const { loadKeyRing } = await import("../../config/keys.ts");
  const { withDatabase } = await import("../../sink/database.ts");
  const { readRegister, reapplyErasures } = await import("../../sink/reapply.ts");
  const keys = loadKeyRing(flags, io.env);
  const database = loadDatabase(flags, io.env);
  const from =
    registerUrl !== undefined
      ? { url: loadDatabaseUrl({ "database-url": registerUrl }, {}), schema: database.schema }
      : database;
  const entries =
    from === database
      ? []
      : await withDatabase(
          from,
          { require: ["erasures"], create: [] },
          async (client, t) => (await client.query<RegisterEntry>(readRegister(t))).rows,
        );
  const needs = { require: ["logins", "rejects"], create: ["erasures", "audit"] } as const;
  const report = await withDatabase(database, needs, (client, t) =>
    reapplyErasures(client, t, keys, entries, {
      reason: reasonOr(flags, "erasures re-applied"),
      operator: operatorName(),
    }),
  );
  return saidReapplied(settings.json, io, report, from === database);
}

/** Says what was erased again; exit 1 (thrown) for what could not be checked. */
async function saidReapplied(
  json: boolean,
  io: CliIo,
  report: ReapplyReport,
  sameDatabase: boolean,
): Promise<number> {
  const { describeMatches, matchesJson } = await import("../../sink/erase.ts");
  const copied = sameDatabase ? "" : `copied ${report.copied} register entries, `;
  const summary = `${copied}erased again: ${describeMatches(report.matches)}`;
  const gaps: string[] = [];
  if (report.unopenable > 0)
    gaps.push(
      `${report.unopenable} reversible values under keys that are not loaded (load them as previous keys)`,
    );
  if (report.unkeyed > 0)
    gaps.push(
      `${report.unkeyed} unkeyed sha256 values, which no register can match (the register never stores an unkeyed form)`,
    );
  if (json)
    printJson(io.stdout, {
      copied: sameDatabase ? 0 : report.copied,
      matches: matchesJson(report),
      unopenable: report.unopenable,
      unkeyed: report.unkeyed,
      complete: gaps.length === 0,
    });
  if (gaps.length > 0) {
    throw new SecureLogError(
      "erasure_incomplete",
      `${summary}; but could not check ${gaps.join(" and ")}. The re-application is NOT complete.`,
    );
  }
  if (!json) print(io.stdout, `${summary}.`);
  return 0;
}
