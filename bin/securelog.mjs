#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=16 --max-old-space-size=160 --no-concurrent-recompilation
// Launcher, deliberately plain JavaScript so that any Node can start it. In a clone, SecureLog is TypeScript run
// by Node's own type stripping (Node >= 22.18); when the `node` on PATH is older, re-run under the Node 24 that
// `npm install` put in node_modules (the `node` devDependency), so `npx securelog` needs no build step. The packed
// package (npm pack) has no src/, only dist/ compiled by `npm run build`: Node does not strip types under
// node_modules.
//
// The V8 flags above (repeated in V8_FLAGS for the re-run) bound memory: by default V8 lets the young
// generation and the old heap grow to hundreds of megabytes at high allocation rates before collecting. With
// them a 200,000-message backlog drains with a bounded peak RSS, for a few percent of throughput
// (docs/reliability.md). The live data is small: at most --max-in-flight messages. Optimizing compiles on
// V8's background threads and glibc's per-thread malloc arenas added memory for nothing, hence
// --no-concurrent-recompilation and MALLOC_ARENA_MAX=2 (the same throughput, docs/benchmarks.md).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import module from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const V8_FLAGS = [
  "--max-semi-space-size=16",
  "--max-old-space-size=160",
  "--no-concurrent-recompilation",
];
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(root, "src", "cli", "entry.ts");
const built = join(root, "dist", "cli", "entry.js");
const [major, minor] = process.versions.node.split(".").map(Number);
const stripsTypes = major > 23 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18);
// The sources win when both exist: a stale dist/ must never run instead of what a developer just edited.
const entry = existsSync(source) ? source : built;

if (entry === built && major < 22) {
  process.stderr.write(
    `securelog: error: SecureLog needs Node >= 22 (this is Node ${process.versions.node}).\n`,
  );
  process.exit(2);
}
if (entry === built || stripsTypes) {
  // Node's on-disk compile cache keeps the compiled (and type-stripped) modules between runs: a start-up takes
  // about half as long (docs/benchmarks.md). Where the cache directory cannot be written it simply stays off.
  module.enableCompileCache?.();
  await import(entry);
} else {
  const pinned = join(root, "node_modules", "node", "bin", "node");
  if (!existsSync(pinned)) {
    process.stderr.write(
      `securelog: error: Node ${process.versions.node} cannot run SecureLog and the pinned Node 24 is missing; run \`npm install\` in ${root}, or use Node >= 22.18.\n`,
    );
    process.exit(2);
  }
  // The IPC channel is only a lifeline: if this process is killed outright (kill -9), the channel closes and the
  // child ends itself the same way (src/cli/entry.ts), instead of running on as an orphan.
  const child = spawn(pinned, [...V8_FLAGS, entry, ...process.argv.slice(2)], {
    stdio: ["inherit", "inherit", "inherit", "ipc"],
    env: { MALLOC_ARENA_MAX: "2", ...process.env },
  });
  // Ctrl-C reaches the child through the terminal's process group; a SIGTERM sent to us alone is passed on.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => {
    if (signal !== null) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}
