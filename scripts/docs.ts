// `npm run docs`: rewrites the generated reference tables of README.md and docs/operations.md (src/cli/reference.ts).
import { readFileSync, writeFileSync } from "node:fs";
import { regenerate } from "../src/cli/reference.ts";

for (const path of ["README.md", "docs/operations.md"]) {
  const url = new URL(`../${path}`, import.meta.url);
  const before = readFileSync(url, "utf8");
  const after = regenerate(before);
  if (after !== before) writeFileSync(url, after);
  console.log(`${path}: ${after === before ? "up to date" : "rewritten"}`);
}
