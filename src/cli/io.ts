import type { Env } from "../config/settings.ts";

/** Everything a command touches outside itself, injected so tests never use the real process. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly stdin: NodeJS.ReadableStream;
  readonly env: Env;
  /** The dotenv file `env` includes (env-file.ts), for the start line; undefined when none was read. */
  readonly envFile?: string;
  readonly cwd: string;
  /** Where SIGINT/SIGTERM arrive (the process, or a test's emitter). */
  readonly signals: Pick<NodeJS.EventEmitter, "on" | "off">;
  /** Leaves at once: the second Ctrl-C. Only the entry point's implementation ends the process. */
  readonly exitNow: (code: number) => void;
}

export function print(stream: NodeJS.WritableStream, text: string): void {
  stream.write(text.endsWith("\n") ? text : `${text}\n`);
}

/**
 * All of a stream as UTF-8 text. The bytes are joined before decoding: a character split across two chunks (a
 * pipe delivers whatever it has) would otherwise decode as two U+FFFD.
 */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("utf8");
}

/** A command's result for scripts (`--json`): one document, one line, on standard output. */
export function printJson(stream: NodeJS.WritableStream, value: unknown): void {
  stream.write(`${JSON.stringify(value)}\n`);
}
