import type pg from "pg";
import {
  maskKinds,
  statsAppVersions,
  statsDeviceTypes,
  statsLocales,
  statsRejectReasons,
  statsTotals,
} from "./sql/stats.ts";
import type { Tables } from "./sql/tables.ts";

export interface Count {
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

/** What `securelog stats` shows, read in one connection: counts and masked values only, never a raw value. */
export async function readStats(client: pg.ClientBase, t: Tables, top: number): Promise<Stats> {
  const totals: Partial<Totals> = (await client.query<Totals>(statsTotals(t))).rows[0] ?? {};
  const counts = async (sql: string) => (await client.query<Count>(sql, [top])).rows;
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
    masks: (await maskKindCounts(client, t)).map((r) => ({ value: r.kind, n: r.n })),
  };
}

/** Stored masks by scheme and key (`hmac:<id>`, `encrypt:<id>`, `sha256`), across both tables. */
export async function maskKindCounts(
  client: pg.ClientBase,
  t: Tables,
): Promise<{ readonly kind: string; readonly n: number }[]> {
  return (await client.query<{ kind: string; n: number }>(maskKinds(t))).rows;
}

/** A few rows as stored, and the totals: what the demo shows after its run. */
export async function sampleOfTable(
  client: pg.ClientBase,
  t: Tables,
  limit: number,
): Promise<{ readonly rows: Record<string, unknown>[]; readonly loaded: number; readonly rejected: number }> {
  const rows = await client.query(
    `SELECT user_id, device_type, masked_ip, masked_device_id, locale, app_version, create_date::text AS create_date
       FROM ${t.logins} LIMIT $1`,
    [limit],
  );
  const [totals] = (await client.query<Totals>(statsTotals(t))).rows;
  return { rows: rows.rows, loaded: totals?.rows ?? 0, rejected: totals?.rejects ?? 0 };
}
