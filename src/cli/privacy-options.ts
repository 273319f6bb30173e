import { userInfo } from "node:os";
import type { Flags } from "../config.ts";

/** The --reason given, or the command's own label when none was. */
export function reasonOr(flags: Flags, fallback: string): string {
  const reason = flags.reason;
  return typeof reason === "string" && reason.trim() !== "" ? reason : fallback;
}

/** Who ran the command, for the audit table. */
export function operatorName(): string {
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}
