import { processEnv } from "../config/settings.ts";
import { main } from "./main.ts";

// Started by bin/securelog.mjs under an older system Node: the launcher holds an IPC channel to us. If it dies
// without passing on a signal (kill -9), die the same way rather than run on as an orphan.
if (process.channel !== undefined) {
  process.channel.unref();
  process.on("disconnect", () => process.kill(process.pid, "SIGKILL"));
}

// A reader that goes away early (`securelog forget --dry-run | head -1`) is not an error of ours: stop writing
// to it quietly instead of dying with an EPIPE stack trace. The command still finishes what it was doing.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE" && error.code !== "ERR_STREAM_DESTROYED") process.exitCode = 1;
  });
}

// The only place that ends the process.
const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: processEnv(),
  cwd: process.cwd(),
  signals: process,
  exitNow: (exitCode) => process.exit(exitCode),
});
process.exitCode = code;
