import { type Env, type Flags, loadDatabase, loadKeyRing } from "../config.ts";
import { ConfigError, SecureLogError } from "../errors.ts";
import { withDatabase } from "../sink/database.ts";
import {
  countErasure,
  describeMatches,
  type ErasureReport,
  type ErasureTarget,
  erase,
  matchesJson,
} from "../sink/erase.ts";
import { erasureTarget } from "../transform/erasure.ts";
import type { PiiDomain } from "../transform/mask.ts";
import type { KeyRing } from "../transform/mask-key.ts";
import { recognisableIp } from "../transform/recognisable.ts";
import { UsageError } from "./cli-error.ts";
import { type CliIo, print, printJson } from "./io.ts";
import { operatorName, requiredReason } from "./privacy-options.ts";
import { reapplyCommand } from "./reapply.ts";

/** The keys, if any are configured: forget also finds unkeyed sha256 masks, which need none. */
function optionalKeys(flags: Flags, env: Env): KeyRing | undefined {
  const configured =
    typeof flags["key-file"] === "string" ||
    env.SECURELOG_KEY_FILE !== undefined ||
    env.SECURELOG_KEY !== undefined;
  return configured ? loadKeyRing(flags, env) : undefined;
}

/** The raw value's every stored form; the raw value itself goes no further than erasureTarget. */
function target(flags: Flags, keys: KeyRing | undefined, io: CliIo): ErasureTarget {
  const ip = flags.ip;
  const deviceId = flags["device-id"];
  if ((typeof ip === "string") === (typeof deviceId === "string")) {
    throw new UsageError("forget needs exactly one of --ip VALUE or --device-id VALUE (or --reapply)");
  }
  const [field, raw]: [PiiDomain, string] =
    typeof ip === "string" ? ["ip", ip] : ["device_id", String(deviceId)];
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
export async function forgetCommand(flags: Flags, io: CliIo, env: Env): Promise<number> {
  if (flags.reapply === true) return reapplyCommand(flags, io, env);
  // Like reveal: an erasure names the request it answers, and the audit keeps it. A dry run changes nothing.
  const reason =
    flags["dry-run"] === true
      ? ""
      : requiredReason(flags, "forget", "the erasure request it answers: a ticket or request id");
  const keys = optionalKeys(flags, env);
  const erasure = target(flags, keys, io);
  const database = loadDatabase(flags, env);
  const label = erasure.field === "ip" ? "the given ip" : "the given device id";
  const keysText =
    keys === undefined
      ? "no key loaded: unkeyed sha256 masks only"
      : `keys ${keys.all.map((k) => k.id).join(", ")}`;
  const needs = { require: ["logins", "rejects"], create: ["audit", "erasures"] } as const;
  const report = await withDatabase(database, needs, async (client, t) => {
    if (flags["dry-run"] === true) return countErasure(client, t, erasure);
    return erase(client, t, erasure, {
      action: `forget_${erasure.field}`,
      reason,
      operator: operatorName(),
    });
  });
  if (flags.json === true)
    printJson(io.stdout, {
      field: erasure.field,
      dryRun: flags["dry-run"] === true,
      keys: keys?.all.map((k) => k.id) ?? [],
      matches: matchesJson(report),
      unloaded: report.unloaded,
      complete: report.unloaded.length === 0,
    });
  const verb = flags["dry-run"] === true ? "dry run: would delete" : "deleted";
  const what = `${verb} what matches ${label} (${keysText}): ${describeMatches(report.matches)}`;
  if (report.unloaded.length > 0) throw unloadedError(report, what);
  if (flags.json !== true) print(io.stdout, `${what}.`);
  if (keys === undefined && flags["dry-run"] !== true) {
    print(
      io.stderr,
      "warning: without a key nothing was recorded in the erasure register, so a restored backup or a replayed message could bring the value back.",
    );
  }
  return 0;
}
