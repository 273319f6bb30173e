import type { Tables } from "../sink/sql/tables.ts";
import type { Grouping } from "./report-groupings.ts";

// The statements that read a grouping (report-groupings.ts) for the report: from the rows, from the rollups or from
// one day's rollups, with the groups under K counted instead of listed.

/** Dates as text in the document (YYYY-MM-DD), dates as dates in the views. */
const AS_TEXT = (columns: string) =>
  columns
    .split(", ")
    .map((c) => (["date", "first_seen", "last_seen"].includes(c) ? `${c}::text AS ${c}` : c))
    .join(", ");

const inRange = (column: string) =>
  `($1::date IS NULL OR ${column} >= $1::date) AND ($2::date IS NULL OR ${column} <= $2::date)`;

export type From = "rows" | "rollups" | "day";

/**
 * Where a section is read from: the rollups when they are current and hold the answer for the range (per day
 * ones always; those over every day for the whole table, or from the day's rollups when the range holds one day
 * of rows), user_logins otherwise.
 */
export function source(g: Grouping, rollups: boolean, whole: boolean, oneDay: boolean): From {
  if (!rollups) return "rows";
  if (g.rolled.perDay || whole) return "rollups";
  return oneDay && g.rolled.oneDay !== undefined ? "day" : "rows";
}

/**
 * One section as a JSON value: `list` (the groups shown) and `groups` and `logins` (those left out for K). $1
 * since, $2 until (NULL: open), $3 top, $4 K. A grouping of rows is aggregated once for both (MATERIALIZED); one of
 * rollups is left to each use, where the top N come from the front of an index.
 */
function sectionJson(g: Grouping, from: From, t: Tables): string {
  // Totals are over every day: their condition only references the (NULL) range, as every parameter must be.
  const rolledWhere = g.rolled.perDay ? inRange("day") : "$1::date IS NULL AND $2::date IS NULL";
  // Each section reads its rows itself, by the date index: reading them once into a CTE for all four was slower
  // (the sorts then carried every column and spilled to disk; measured on a day of 111,111 rows).
  const grouped =
    from === "rows"
      ? g.grouped(`${t.logins} WHERE ${inRange("create_date")}`)
      : from === "day"
        ? (g.rolled.oneDay?.grouped(inRange("day")) ?? "")
        : g.rolled.grouped(rolledWhere);
  const listed = `SELECT ${AS_TEXT(g.columns)} FROM g WHERE users >= greatest($4::int, ${g.floor})
    ORDER BY ${g.order}${g.limited ? " LIMIT $3::int" : ""}`;
  const dayHidden = from === "day" ? g.rolled.oneDay?.hidden?.(inRange("day")) : undefined;
  const hidden =
    dayHidden ??
    `SELECT count(*)::int AS groups, coalesce(sum(logins), 0)::int AS logins
        FROM g WHERE users >= ${g.floor} AND users < $4::int`;
  return `(WITH g AS ${from === "rows" ? "MATERIALIZED" : "NOT MATERIALIZED"} (${grouped}),
      hidden AS (${hidden})
      SELECT json_build_object('list', (SELECT coalesce(json_agg(l ORDER BY ${g.order}), '[]') FROM (${listed}) l),
        'groups', hidden.groups, 'logins', hidden.logins) FROM hidden)`;
}

/** How many days in range have rows, by the rollups (a range with one is read from that day's rollups). */
export const daysInRange = (t: Tables) =>
  `SELECT count(*)::int AS days FROM ${t.daily} WHERE kind = 'D' AND ${inRange("day")}`;

/**
 * One section's statement: one row, its JSON in `section`. A statement per section rather than one for the whole
 * report: PostgreSQL took longer to plan the combined statement than it saved (docs/benchmarks.md).
 */
export function sectionStatement(g: Grouping, from: From, t: Tables): string {
  // $3 is referenced here too: PostgreSQL must know every parameter's type, and a section may list nothing.
  return `SELECT ${sectionJson(g, from, t)} AS section, $3::int AS top`;
}

/** Rejections per day by reason: reason codes only, no user in them, so never hidden. */
export function rejectionsQuery(t: Tables): string {
  const day = "(coalesce(sent_at, received_at) AT TIME ZONE 'UTC')::date";
  return `SELECT ${day}::text AS date, reason, count(*)::int AS count FROM ${t.rejects}
    WHERE ($1::date IS NULL OR ${day} >= $1::date) AND ($2::date IS NULL OR ${day} <= $2::date)
      AND $3::int >= 0 AND $4::int >= 0
    GROUP BY 1, 2 ORDER BY 1, 2`;
}

/** The same, whole, for the view. */
export function rejectionsView(t: Tables): string {
  return `SELECT (coalesce(sent_at, received_at) AT TIME ZONE 'UTC')::date AS date, reason, count(*)::int AS count
    FROM ${t.rejects} GROUP BY 1, 2`;
}
