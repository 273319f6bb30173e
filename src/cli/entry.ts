import { processEnv } from "../config.ts";
import { main } from "./main.ts";

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
