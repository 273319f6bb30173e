import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIN = fileURLToPath(new URL("../../bin/securelog.mjs", import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunningCli {
  readonly child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  readonly done: Promise<CliResult>;
}

export interface StartOptions {
  /** Written to standard input, which is then closed; without it standard input is empty. */
  readonly input?: string;
  /** Another program than the securelog bin (npx, say); args are then its arguments. */
  readonly command?: string;
  readonly timeoutMs?: number;
  /** The working directory; the repository root by default. */
  readonly cwd?: string;
}

/**
 * Starts the CLI as a user would (the bin script, a child process), with only the environment given: nothing
 * from the developer's shell leaks in (no stray SECURELOG_KEY, AWS_PROFILE or DATABASE_URL).
 */
export function startCli(
  args: readonly string[],
  env: Record<string, string> = {},
  options: StartOptions = {},
): RunningCli {
  // The bin itself, through its shebang, exactly as `npx securelog` and a shell start it.
  const [file, argv] = options.command === undefined ? [BIN, [...args]] : [options.command, [...args]];
  const child = spawn(file, argv, {
    cwd: options.cwd ?? REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  child.stdin?.end(options.input ?? "");
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timeoutMs = options.timeoutMs ?? 120_000;
  const done = new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${file} ${args.join(" ")} timed out after ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return { child, output: () => stdout + stderr, done };
}

/** Runs the CLI to completion; see startCli. */
export function runCli(
  args: readonly string[],
  env: Record<string, string> = {},
  options: StartOptions = {},
): Promise<CliResult> {
  return startCli(args, env, options).done;
}

/** Polls until `condition` holds; the message says what was awaited (and may carry output for diagnosis). */
export async function until(
  condition: () => Promise<boolean> | boolean,
  what: string | (() => string),
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${typeof what === "string" ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The CLI failed as documented: this exit code, exactly one line on stderr matching `pattern`, no stack trace. */
export function oneLineError(result: CliResult, code: number, pattern: RegExp): void {
  assert.equal(result.code, code, result.stderr);
  const lines = result.stderr.split("\n").filter((line) => line.trim() !== "");
  assert.equal(lines.length, 1, `expected one line, got:\n${result.stderr}`);
  assert.match(lines[0] ?? "", /^securelog: error: /);
  assert.match(lines[0] ?? "", pattern);
  assert.doesNotMatch(result.stderr, /^\s+at /m, "no stack trace without --verbose");
}
