import { type Env, type Flags, loadDatabase, loadMaskConfig, type MaskConfig } from "../config.ts";
import { ConfigError } from "../errors.ts";
import { withDatabase } from "../sink/database.ts";
import {
  type BodyField,
  deleteLogins,
  deleteRejects,
  insertAudit,
  listLogins,
  listRejects,
  type MaskedColumn,
} from "../sink/sql/privacy.ts";
import { inTransaction } from "../sink/transaction.ts";
import { canonicalIp } from "../transform/canonical-ip.ts";
import { masksUnderEveryKey } from "../transform/mask.ts";
import { UsageError } from "./cli-error.ts";
import { type CliIo, print } from "./io.ts";
import { operatorName, reasonOr } from "./privacy-options.ts";

export const FORGET_OPTIONS = {
  ip: { type: "string" },
  "device-id": { type: "string" },
  "dry-run": { type: "boolean" },
} as const;

interface Target {
  readonly field: BodyField;
  readonly column: MaskedColumn;
  readonly masks: string[];
}

/** The masked forms the raw value may have in the tables: under every loaded key. The raw value goes no further. */
function target(flags: Flags, mask: MaskConfig): Target {
  const ip = flags.ip;
  const deviceId = flags["device-id"];
  if ((typeof ip === "string") === (typeof deviceId === "string")) {
    throw new UsageError("forget needs exactly one of --ip VALUE or --device-id VALUE");
  }
  if (typeof ip === "string") {
    // The value is not repeated in the message: error output may end up in logs.
    const canonical = canonicalIp(ip);
    if (canonical === undefined) throw new ConfigError("--ip is not an IPv4 or IPv6 address");
    return { field: "ip", column: "masked_ip", masks: masksUnderEveryKey(mask, "ip", canonical) };
  }
  const value = String(deviceId).trim();
  if (value === "") throw new ConfigError("--device-id is empty");
  return {
    field: "device_id",
    column: "masked_device_id",
    masks: masksUnderEveryKey(mask, "device_id", value),
  };
}

/**
 * `securelog forget --ip V | --device-id V [--dry-run]`: the erasure request. Deletes every row and rejection
 * whose masked value matches the given raw value under any loaded key, in one transaction, and records in
 * securelog_audit what was deleted (as a masked value and a count) and why. The raw value is never stored.
 */
export async function forgetCommand(flags: Flags, io: CliIo, env: Env): Promise<number> {
  const mask = loadMaskConfig(flags, env);
  const { field, column, masks } = target(flags, mask);
  const database = loadDatabase(flags, env);
  const reason = reasonOr(flags, "erasure request");
  const keys =
    mask.mode === "sha256" ? "unkeyed sha256" : `keys ${mask.keys.all.map((k) => k.id).join(", ")}`;
  const label = field === "ip" ? "the given ip" : "the given device id";
  const needs = { require: ["logins", "rejects"], create: ["audit"] } as const;
  await withDatabase(database, needs, async (client, t) => {
    if (flags["dry-run"] === true) {
      const rows = await client.query(listLogins(t, column), [masks]);
      const rejects = await client.query(listRejects(t, field), [masks]);
      print(
        io.stdout,
        `dry run: ${rows.rowCount} rows and ${rejects.rowCount} rejections match ${label} (${keys}):`,
      );
      for (const row of rows.rows) print(io.stdout, JSON.stringify(row));
      for (const row of rejects.rows) print(io.stdout, JSON.stringify(row));
      return;
    }
    const { rows, rejects } = await inTransaction(client, async () => {
      const deletedRows = (await client.query(deleteLogins(t, column), [masks])).rowCount ?? 0;
      const deletedRejects = (await client.query(deleteRejects(t, field), [masks])).rowCount ?? 0;
      await client.query(insertAudit(t), [
        `forget_${field}`,
        masks[0],
        deletedRows + deletedRejects,
        reason,
        operatorName(),
      ]);
      return { rows: deletedRows, rejects: deletedRejects };
    });
    print(io.stdout, `deleted ${rows} rows and ${rejects} rejections matching ${label} (${keys}).`);
  });
  return 0;
}
