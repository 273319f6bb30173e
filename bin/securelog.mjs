#!/usr/bin/env node
// Launcher, deliberately plain JavaScript so that any Node can start it. SecureLog is TypeScript run by Node's
// own type stripping (Node >= 22.18); when the `node` on PATH is older, re-run under the Node 24 that
// `npm install` put in node_modules (the `node` devDependency), so `npx securelog` needs no build step.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const entry = join(root, "src", "cli", "entry.ts");
const [major, minor] = process.versions.node.split(".").map(Number);
const stripsTypes = major > 23 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18);

if (stripsTypes) {
  await import(entry);
} else {
  const pinned = join(root, "node_modules", "node", "bin", "node");
  if (!existsSync(pinned)) {
    process.stderr.write(
      `securelog: error: Node ${process.versions.node} cannot run SecureLog and the pinned Node 24 is missing; run \`npm install\` in ${root}, or use Node >= 22.18.\n`,
    );
    process.exit(2);
  }
  const child = spawn(pinned, [entry, ...process.argv.slice(2)], { stdio: "inherit" });
  // Ctrl-C reaches the child through the terminal's process group; a SIGTERM sent to us alone is passed on.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => {
    if (signal !== null) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}
