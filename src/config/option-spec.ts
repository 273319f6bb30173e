import { ConfigError } from "../errors.ts";

/** One option: its flag, environment variables and default, described once (see options.ts). */
export interface OptionSpec {
  readonly type: "string" | "boolean";
  readonly env?: readonly string[];
  /** Shown in --help; a description of the default, never a secret. */
  readonly defaultText?: string;
  readonly valueName?: string;
  /** A one-letter alias (-h). */
  readonly short?: string;
  /** What the option does, in one or two sentences: --help and the docs' tables both show it (Markdown code
   * spans are shown plain in a terminal). */
  readonly description: string;
  /** More that the docs' tables add after the description (Markdown); --help stays short without it. */
  readonly details?: string;
  /**
   * A whole-number option: the bounds its value is checked against (parseWhole) and shown with
   * in --help, and its default when it is one plain number (shown as such unless defaultText says more).
   */
  readonly integer?: { readonly min: number; readonly max: number; readonly default?: number };
  /** A text option's default when it has one plain value, shown as such unless defaultText says more. */
  readonly default?: string;
  /** A text option that takes one of these values only (the settings' reader checks it). */
  readonly choices?: readonly string[];
}

/**
 * The one way a whole-number option is read, whichever command has it: digits only, within the bounds its
 * OptionSpec declares. "", " ", "1e3" and "0.5" are mistakes, never a number. `label` names where the value
 * came from (the flag, or the flag and its variables).
 */
export function parseWhole(spec: OptionSpec, label: string, text: string): number {
  const bounds = spec.integer;
  if (bounds === undefined) throw new Error(`${label} is not a whole-number option`);
  const value = /^\s*\d{1,12}\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= bounds.min && value <= bounds.max)) {
    throw new ConfigError(
      `${label} must be a whole number from ${bounds.min} to ${bounds.max} (got "${text}")`,
    );
  }
  return value;
}

/** The default as --help and the docs show it: defaultText, else the plain value. */
export function shownDefault(spec: OptionSpec): string | undefined {
  const plain = spec.integer?.default ?? spec.default;
  return spec.defaultText ?? (plain === undefined ? undefined : `\`${plain}\``);
}
