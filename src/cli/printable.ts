/**
 * Producer text made safe for a terminal: control characters (C0, DEL, C1) and the bidirectional overrides are
 * written as \\u escapes, so a device_type holding `\u001b[2J` is shown, not obeyed, and cannot rewrite or
 * reorder what the operator sees. For human output only; JSON output is exact (JSON escapes controls itself).
 */
const UNSAFE = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/gu;

export function printable(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`);
}
