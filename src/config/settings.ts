import { ConfigError } from "../errors.ts";
import { type OptionSpec, parseWhole } from "./option-spec.ts";
import { RUN_OPTIONS } from "./options.ts";

/**
 * How every command reads its settings: command-line flag > environment variable > the default its option
 * declares (src/config/options.ts), validated against that declaration. The only module that reads process.env.
 */
export type Env = Readonly<Record<string, string | undefined>>;
export type Flags = Readonly<Record<string, string | boolean | undefined>>;

export type OptionName = keyof typeof RUN_OPTIONS;

/** The text an option was given: its flag, else the first of its environment variables that is set. */
function given(name: string, spec: OptionSpec, flags: Flags, env: Env): string | undefined {
  const flag = flags[name];
  if (typeof flag === "string") return flag;
  for (const variable of spec.env ?? []) {
    const value = env[variable];
    if (value !== undefined && value !== "") return value;
  }
  return undefined;
}

/** Where a value came from, for messages: the flag, or the flag and its variables. */
function sourceOf(name: string, spec: OptionSpec, flags: Flags): string {
  return typeof flags[name] === "string" || spec.env === undefined
    ? `--${name}`
    : `--${name} / ${spec.env.join(" / ")}`;
}

export function raw(name: OptionName, flags: Flags, env: Env): string | undefined {
  return given(name, RUN_OPTIONS[name], flags, env);
}

export function describeSource(name: OptionName, flags: Flags): string {
  return sourceOf(name, RUN_OPTIONS[name], flags);
}

/** The value an option's declaration gives it: on or off, a number, one of its choices, or text. */
export type Setting<S> = S extends { readonly type: "boolean" }
  ? boolean
  : S extends { readonly integer: { readonly default: number } }
    ? number
    : S extends { readonly integer: object }
      ? number | undefined
      : S extends { readonly choices: readonly (infer C)[]; readonly default: string }
        ? C
        : S extends { readonly default: string }
          ? string
          : string | undefined;

/** A command's settings, typed by its option table. */
export type Settings<O> = { readonly [K in keyof O]: Setting<O[K]> };

function settingOf(name: string, spec: OptionSpec, flags: Flags, env: Env): unknown {
  if (spec.type === "boolean") return flags[name] === true;
  const text = given(name, spec, flags, env);
  if (spec.integer !== undefined)
    return text === undefined ? spec.integer.default : parseWhole(spec, sourceOf(name, spec, flags), text);
  if (text !== undefined && spec.choices !== undefined && !spec.choices.includes(text)) {
    throw new ConfigError(
      `${sourceOf(name, spec, flags)} must be one of ${spec.choices.join(", ")} (got "${text}")`,
    );
  }
  return text ?? spec.default;
}

/**
 * Every option of a command's table, read and checked as its declaration says: flag > environment > default.
 * The settings a command acts on, typed (no command reads a flag by itself).
 */
export function settingsOf<const O extends Readonly<Record<string, OptionSpec>>>(
  options: O,
  flags: Flags,
  env: Env,
): Settings<O> {
  const settings: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(options)) settings[name] = settingOf(name, spec, flags, env);
  return settings as Settings<O>;
}

/** A whole-number option of run, read as settingOf reads it, with `fallback` as its default when given. */
export function integer(name: OptionName, flags: Flags, env: Env, fallback?: number): number {
  if (fallback !== undefined && raw(name, flags, env) === undefined) return fallback;
  const value = settingOf(name, RUN_OPTIONS[name], flags, env);
  if (typeof value !== "number") throw new Error(`--${name} has no default`);
  return value;
}

/** A text option with a default: flag, else environment, else that default. */
export function text(name: TextOptionName, flags: Flags, env: Env): string {
  return settingOf(name, RUN_OPTIONS[name], flags, env) as string;
}

type TextOptionName = {
  [N in OptionName]: (typeof RUN_OPTIONS)[N] extends { readonly default: string } ? N : never;
}[OptionName];
type ChoiceOptionName = {
  [N in OptionName]: (typeof RUN_OPTIONS)[N] extends { readonly choices: readonly string[] } ? N : never;
}[OptionName];
type ChoiceOf<N extends ChoiceOptionName> = (typeof RUN_OPTIONS)[N]["choices"][number];

/** An option that takes one of the values its spec lists: flag, else environment, else its default. */
export function choice<N extends ChoiceOptionName>(name: N, flags: Flags, env: Env): ChoiceOf<N> {
  return settingOf(name, RUN_OPTIONS[name], flags, env) as ChoiceOf<N>;
}

/** The full process environment, for the entry point to hand to the loaders above. */
export function processEnv(): Env {
  return process.env;
}
