import { z } from "zod";
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

export function raw(name: OptionName, flags: Flags, env: Env): string | undefined {
  const flag = flags[name];
  if (typeof flag === "string") return flag;
  const spec: OptionSpec = RUN_OPTIONS[name];
  for (const variable of spec.env ?? []) {
    const value = env[variable];
    if (value !== undefined && value !== "") return value;
  }
  return undefined;
}

export function describeSource(name: OptionName, flags: Flags): string {
  const spec: OptionSpec = RUN_OPTIONS[name];
  return typeof flags[name] === "string" || spec.env === undefined
    ? `--${name}`
    : `--${name} / ${spec.env.join(" / ")}`;
}

/** A whole-number option of run: flag, else environment, else the default its spec declares (or `fallback`). */
export function integer(name: OptionName, flags: Flags, env: Env, fallback?: number): number {
  const spec: OptionSpec = RUN_OPTIONS[name];
  const value = raw(name, flags, env);
  if (value !== undefined) return parseWhole(spec, describeSource(name, flags), value);
  const chosen = fallback ?? spec.integer?.default;
  if (chosen === undefined) throw new Error(`--${name} has no default`);
  return chosen;
}

/** A text option: flag, else environment, else the default its spec declares. */
export function text(name: TextOptionName, flags: Flags, env: Env): string {
  return raw(name, flags, env) ?? RUN_OPTIONS[name].default;
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
  const spec: OptionSpec & { readonly choices: readonly ChoiceOf<N>[]; readonly default: ChoiceOf<N> } =
    RUN_OPTIONS[name];
  const value = raw(name, flags, env);
  if (value === undefined) return spec.default;
  const parsed = z.enum(spec.choices).safeParse(value);
  if (!parsed.success) {
    throw new ConfigError(
      `${describeSource(name, flags)} must be one of ${spec.choices.join(", ")} (got "${value}")`,
    );
  }
  return parsed.data;
}

/** The full process environment, for the entry point to hand to the loaders above. */
export function processEnv(): Env {
  return process.env;
}
