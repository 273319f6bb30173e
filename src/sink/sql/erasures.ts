import type { Tables } from "./tables.ts";

/**
 * Loads and erasures exclude each other per schema: a load holds this lock shared from its check of the register
 * until its commit, `forget` holds it exclusively while it records and deletes. So a load either sees an erasure
 * (and keeps the value out) or has committed before it (and its rows are deleted by it): an erased value cannot
 * slip in between. Advisory locks need no privilege on any table. The schema name is a checked identifier.
 */
export const lockForLoading = (t: Tables) =>
  `BEGIN; SELECT pg_advisory_xact_lock_shared(7262846, hashtext('${t.schema}'));
  SELECT EXISTS (SELECT 1 FROM ${t.erasures}) AS erasures; SAVEPOINT outcomes`;
export const lockForErasing = (t: Tables) => `SELECT pg_advisory_xact_lock(7262846, hashtext('${t.schema}'))`;

/** Which of the given digests the register holds. */
export const erasedDigests = (t: Tables) => `SELECT digest FROM ${t.erasures} WHERE digest = ANY($1::text[])`;

/** Records an erased value: one row per loaded key ($1 digests, $2 masks, in the same order). */
export const recordErasure = (t: Tables) => `INSERT INTO ${t.erasures} (digest, mask, field, erasure)
  SELECT d, m, $3, $4 FROM unnest($1::text[], $2::text[]) AS e(d, m) ON CONFLICT (digest) DO NOTHING`;
