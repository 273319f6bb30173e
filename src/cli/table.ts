import { printable } from "./printable.ts";

/** Column widths for a few rows of user_logins, as the demo and a dry run show them. */
export const ROW_COLUMNS: Record<string, number> = {
  user_id: 13,
  device_type: 11,
  masked_ip: 22,
  masked_device_id: 22,
  locale: 6,
  app_version: 11,
  create_date: 11,
};

function shorten(value: unknown, width: number): string {
  const text = value === null ? "∅" : printable(String(value));
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

/** A plain text table; every value made printable (no terminal escapes) and cut to its column. */
export function table(rows: readonly object[], widths: Record<string, number>): string {
  const columns = Object.keys(widths);
  const width = (c: string) => widths[c] ?? 10;
  const header = columns.map((c) => c.padEnd(width(c))).join("  ");
  const body = rows.map((row) =>
    columns.map((c) => shorten(Reflect.get(row, c), width(c)).padEnd(width(c))).join("  "),
  );
  return [header, columns.map((c) => "-".repeat(width(c))).join("  "), ...body].join("\n");
}
