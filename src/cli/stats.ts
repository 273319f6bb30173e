import { type Env, type Flags, loadDatabase } from "../config.ts";
import { withDatabase } from "../sink/database.ts";
import {
  maskKinds,
  statsAppVersions,
  statsDeviceTypes,
  statsLocales,
  statsRejectReasons,
  statsTotals,
} from "../sink/sql/stats.ts";
import { type CliIo, print } from "./io.ts";
import { printable } from "./printable.ts";

interface Count {
  /** As stored: a number for app_version, null for an absent locale (shown as "(null)", kept null in --json). */
  readonly value: string | number | null;
  readonly n: number;
}

export interface Stats {
  readonly rows: number;
  readonly users: number;
  readonly devices: number;
  readonly ips: number;
  /** Devices (masked) seen with more than one user. */
  readonly sharedDevices: number;
  readonly rejects: number;
  readonly firstDate: string | null;
  readonly lastDate: string | null;
  readonly appVersions: readonly Count[];
  readonly locales: readonly Count[];
  readonly deviceTypes: readonly Count[];
  readonly rejectReasons: readonly Count[];
  /** Masked values by scheme and key id: one table should hold one scheme, keys only by rotation. */
  readonly masks: readonly Count[];
}

const TOP = 10;

interface Totals {
  rows: number;
  users: number;
  devices: number;
  ips: number;
  shared_devices: number;
  rejects: number;
  first_date: string | null;
  last_date: string | null;
}

function section(title: string, counts: readonly Count[], total: number): string[] {
  // device_type and locale are producer text: shown, never obeyed by the terminal.
  const shown = counts.map((c) => ({
    ...c,
    value: c.value === null ? "(null)" : printable(String(c.value)),
  }));
  const width = Math.max(12, ...shown.map((c) => c.value.length));
  return [
    `${title}:`,
    ...shown.map((c) => {
      const share = total > 0 ? `${((100 * c.n) / total).toFixed(1)}%` : "";
      return `  ${c.value.padEnd(width)} ${String(c.n).padStart(9)} ${share.padStart(7)}`;
    }),
  ];
}

export function formatStats(s: Stats): string {
  const line = (label: string, value: number | string) =>
    `  ${label.padEnd(34)} ${String(value).padStart(9)}`;
  return [
    "user_logins:",
    line("rows", s.rows),
    line("distinct users", s.users),
    line("distinct devices (masked)", s.devices),
    line("distinct ips (masked)", s.ips),
    line("devices seen with several users", s.sharedDevices),
    line("dates", s.firstDate === null ? "-" : `${s.firstDate} .. ${s.lastDate}`),
    ...section("app_version (top 10)", s.appVersions, s.rows),
    ...section("locale (top 10)", s.locales, s.rows),
    ...section("device_type (top 10)", s.deviceTypes, s.rows),
    `user_logins_rejects: ${s.rejects}`,
    ...section("rejections by reason", s.rejectReasons, s.rejects),
    ...section(
      "masked values by scheme and key",
      s.masks,
      s.masks.reduce((n, c) => n + c.n, 0),
    ),
  ].join("\n");
}

/** `securelog stats [--json]`: what is in the table, read from the database. */
export async function statsCommand(flags: Flags, io: CliIo, env: Env): Promise<number> {
  const database = loadDatabase(flags, env);
  // Read-only: needs the tables to exist, creates nothing, takes no lock.
  const needs = { require: ["logins", "rejects"], create: [] } as const;
  const stats = await withDatabase(database, needs, async (client, t): Promise<Stats> => {
    const totals: Partial<Totals> = (await client.query<Totals>(statsTotals(t))).rows[0] ?? {};
    const counts = async (sql: string) => (await client.query<Count>(sql, [TOP])).rows;
    return {
      rows: totals.rows ?? 0,
      users: totals.users ?? 0,
      devices: totals.devices ?? 0,
      ips: totals.ips ?? 0,
      sharedDevices: totals.shared_devices ?? 0,
      rejects: totals.rejects ?? 0,
      firstDate: totals.first_date ?? null,
      lastDate: totals.last_date ?? null,
      appVersions: await counts(statsAppVersions(t)),
      locales: await counts(statsLocales(t)),
      deviceTypes: await counts(statsDeviceTypes(t)),
      rejectReasons: await counts(statsRejectReasons(t)),
      masks: (await client.query<{ kind: string; n: number }>(maskKinds(t))).rows.map((r) => ({
        value: r.kind,
        n: r.n,
      })),
    };
  });
  print(io.stdout, flags.json === true ? JSON.stringify(stats, null, 2) : formatStats(stats));
  return 0;
}
