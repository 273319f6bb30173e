/** How app_version becomes an integer: its major version (default), or major*1,000,000 + minor*1,000 + patch. */
export type AppVersionMode = "major" | "packed";

const VERSION = /^v?(\d{1,10})(?:\.(\d{1,10}))?(?:\.(\d{1,10}))?(?:[-+][0-9A-Za-z.+-]*)?$/;
const INT4_MAX = 2_147_483_647;

/**
 * `major.minor.patch` (also `2.3`, `2`, `v2.3.0`, `2.3.0-beta.1+build.7`) to the integer the destination's
 * `app_version integer` column holds. major: the major version. packed: major*1e6 + minor*1e3 + patch, which
 * sorts like the versions do; it therefore needs minor and patch below 1000. Undefined means "not a version"
 * or "does not fit a PostgreSQL integer".
 */
export function convertAppVersion(raw: string, mode: AppVersionMode): number | undefined {
  const match = VERSION.exec(raw.trim());
  if (match === null) return undefined;
  const major = Number(match[1]);
  if (mode === "major") return major <= INT4_MAX ? major : undefined;
  const minor = Number(match[2] ?? 0);
  const patch = Number(match[3] ?? 0);
  if (minor > 999 || patch > 999) return undefined;
  const packed = major * 1_000_000 + minor * 1_000 + patch;
  return packed <= INT4_MAX ? packed : undefined;
}
