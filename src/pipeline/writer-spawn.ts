import module from "node:module";
import { Worker } from "node:worker_threads";

/** The sources run as .ts (type stripping); the packed package ships them compiled to .js (tsconfig.build.json). */
const WORKER_FILE = import.meta.url.endsWith(".ts") ? "./writer-worker.ts" : "./writer-worker.js";

/** A writer thread that may still be loading its modules; it is told what to do by its first message. */
export interface SpawnedWriter {
  readonly worker: Worker;
  /** Resolves with the exit code when the thread has ended. */
  readonly exited: Promise<number>;
  /** The error the thread failed with, if it did (it may have failed before anyone else listened). */
  failure(): Error | undefined;
}

/**
 * Starts the writer thread. It loads its modules (about a third of a second, on a core the receiving thread does
 * not use) before it is given its setup; unreferenced, so a thread nobody uses never keeps the process alive.
 */
function spawnWriter(): SpawnedWriter {
  // A worker thread does not share the process's compile cache (bin/securelog.mjs): given the directory, it
  // loads its modules in about half the time (150 instead of 310 ms here). The rest of its environment is the
  // process's own (its SQS client reads credentials there), read here because config.ts is not loaded yet.
  const compileCache = module.getCompileCacheDir?.();
  const worker = new Worker(new URL(WORKER_FILE, import.meta.url), {
    // biome-ignore lint/style/noProcessEnv: the thread starts before config.ts is loaded (see above)
    ...(compileCache === undefined ? {} : { env: { ...process.env, NODE_COMPILE_CACHE: compileCache } }),
  });
  worker.unref();
  let failure: Error | undefined;
  // Listened to from the start: an unheard "error" event would end the process.
  worker.on("error", (error) => {
    failure ??= error;
  });
  const exited = new Promise<number>((resolve) => worker.once("exit", resolve));
  return { worker, exited, failure: () => failure };
}

let prestarted: SpawnedWriter | undefined;

/**
 * Starts the writer thread now, before the command's own modules are loaded: `run` then finds it loaded when its
 * first batch is received, instead of holding received messages while the thread loads (it loaded for 0.4 s
 * after the first receive, most of a short run's start; docs/benchmarks.md). Only the entry point calls it.
 */
export function prestartWriter(): void {
  prestarted ??= spawnWriter();
}

/** The prestarted writer thread, or a new one. */
export function takeWriter(): SpawnedWriter {
  const writer = prestarted ?? spawnWriter();
  prestarted = undefined;
  return writer;
}
