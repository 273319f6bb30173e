import { processEnv } from "../config.ts";
import { main } from "./main.ts";

// Started by bin/securelog.mjs under an older system Node: the launcher holds an IPC channel to us. If it dies
// without passing on a signal (kill -9), die the same way rather than run on as an orphan.
if (process.channel !== undefined) {
  process.channel.unref();
  process.on("disconnect", () => process.kill(process.pid, "SIGKILL"));
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
