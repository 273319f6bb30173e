import { userInfo } from "node:os";
import type { Flags } from "../config/settings.ts";
import { UsageError } from "./cli-error.ts";

/**
 * The --reason an audited action must give (reveal, forget): what it answers, kept in securelog_audit. Refused
 * when absent or blank, in the same words for every command.
 */
export function requiredReason(flags: Flags, command: string, what: string): string {
  const reason = flags.reason;
  if (typeof reason !== "string" || reason.trim() === "")
    throw new UsageError(`${command} needs --reason TEXT (${what}); it is kept in securelog_audit`);
  return reason;
}

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
