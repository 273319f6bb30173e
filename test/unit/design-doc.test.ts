import assert from "node:assert/strict";
import { existsSync, globSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import { describe, it } from "node:test";

const design = readFileSync("docs/design.md", "utf8");
const section =
  /## One message, from receive to delete, file by file\n([\s\S]*?)\n## /.exec(design)?.[1] ?? "";
const sources = [...globSync("src/**/*.ts"), "bin/securelog.mjs"];
const code = sources.map((file) => readFileSync(file, "utf8")).join("\n");
const basenames = new Set(sources.map((file) => basename(file)));

describe("docs/design.md", () => {
  it("walks one message through files and names that exist in the code", () => {
    assert.ok(section.length > 1000, "the file-by-file section is there");
    const cited = [...section.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? "");
    assert.ok(cited.length > 50);
    const missing = cited.filter((token) => {
      if (/\.(ts|mjs)$/.test(token)) return !existsSync(token) && !basenames.has(token);
      // Class.method, #privateMethod(), name: every part must be in the code.
      const parts = token.replace(/\(\)$/, "").split(".");
      return parts.some((part) => !new RegExp(`(^|[^\\w#])${part.replace("#", "#")}\\b`).test(code));
    });
    assert.deepEqual(missing, [], "cited but not in the code");
  });
});
