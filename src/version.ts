import { readFileSync } from "node:fs";

/** SecureLog's version, from the package.json one level above this file (in the sources and in the built package). */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;
