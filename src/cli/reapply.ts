import { type Env, type Flags, loadDatabase, loadDatabaseUrl, loadKeyRing } from "../config.ts";
import { SecureLogError } from "../errors.ts";
import { withDatabase } from "../sink/database.ts";
import { describeMatches, matchesJson } from "../sink/erase.ts";
import { type RegisterEntry, readRegister, reapplyErasures } from "../sink/reapply.ts";
import { type CliIo, print, printJson } from "./io.ts";
import { operatorName, reasonOr } from "./privacy-options.ts";

/**
 * `securelog forget --reapply [--from URL]`: after restoring a backup, erase again every value the erasure register
 * holds. The register is read from --from (the database the erasures were made in, or the newest copy of it) or
 * from this database itself, copied in, and applied here, whichever of the loaded keys masked the values.
 */
export async function reapplyCommand(flags: Flags, io: CliIo, env: Env): Promise<number> {
  const keys = loadKeyRing(flags, env);
  const database = loadDatabase(flags, env);
  const from =
    typeof flags.from === "string"
      ? { url: loadDatabaseUrl({ "database-url": flags.from }, {}), schema: database.schema }
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
  const copied = from === database ? "" : `copied ${report.copied} register entries, `;
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
  if (flags.json === true)
    printJson(io.stdout, {
      copied: from === database ? 0 : report.copied,
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
  if (flags.json !== true) print(io.stdout, `${summary}.`);
  return 0;
}
