import assert from "node:assert/strict";
import { globSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, it } from "node:test";
import ts from "typescript";

/**
 * The layers docs/design.md states, lowest first: a module may import from its own layer or one below, never
 * from one above. Every path of src/ must belong to one.
 */
const LAYERS: readonly (readonly string[])[] = [
  ["src/errors.ts", "src/backoff.ts", "src/network-errors.ts", "src/version.ts", "src/reject-reason.ts"],
  ["src/transform/"],
  ["src/sink/"],
  ["src/config/"],
  ["src/source/", "src/env-file.ts"],
  ["src/pipeline/", "src/embedded/"],
  ["src/ops/"],
  ["src/report/"],
  ["src/cli/"],
];
const MAX_FILE_LINES = 250;
const MAX_FUNCTION_LINES = 50;

const files = globSync("src/**/*.ts").sort();
const sources = new Map(
  files.map((file) => [file, ts.createSourceFile(file, readFileSync(file, "utf8"), 99, true)]),
);

function layerOf(file: string): number {
  const layer = LAYERS.findIndex((paths) =>
    paths.some((p) => (p.endsWith("/") ? file.startsWith(p) : file === p)),
  );
  assert.notEqual(layer, -1, `${file} is in no layer of docs/design.md`);
  return layer;
}

/** Every module a file names: static imports and re-exports (types included) and import("…") calls. */
function importsOf(file: string, source: ts.SourceFile): string[] {
  const named: string[] = [];
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined)
      named.push((node.moduleSpecifier as ts.StringLiteral).text);
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument !== undefined && ts.isStringLiteral(argument)) named.push(argument.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return named.filter((s) => s.startsWith(".")).map((s) => normalize(join(dirname(file), s)));
}

const graph = new Map([...sources].map(([file, source]) => [file, importsOf(file, source)]));

describe("the code's structure", () => {
  it("imports only from its own layer or below", () => {
    const upward = [...graph].flatMap(([file, targets]) =>
      targets.filter((t) => layerOf(t) > layerOf(file)).map((t) => `${file} -> ${t}`),
    );
    assert.deepEqual(upward, []);
  });

  it("has no import cycle", () => {
    const state = new Map<string, "open" | "done">();
    const cycles: string[] = [];
    const walk = (file: string, path: string[]) => {
      if (state.get(file) === "done") return;
      if (state.get(file) === "open") {
        cycles.push([...path.slice(path.indexOf(file)), file].join(" -> "));
        return;
      }
      state.set(file, "open");
      for (const next of graph.get(file) ?? []) walk(next, [...path, file]);
      state.set(file, "done");
    };
    for (const file of files) walk(file, []);
    assert.deepEqual(cycles, []);
  });

  it(`keeps files under ${MAX_FILE_LINES} lines and functions under ${MAX_FUNCTION_LINES}`, () => {
    const long = files.filter((file) => readFileSync(file, "utf8").split("\n").length - 1 > MAX_FILE_LINES);
    assert.deepEqual(long, []);
    const longFunctions: string[] = [];
    for (const [file, source] of sources) {
      const visit = (node: ts.Node) => {
        if (ts.isFunctionLike(node) && "body" in node && node.body !== undefined) {
          const start = source.getLineAndCharacterOfPosition(node.getStart()).line;
          const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
          if (end - start + 1 > MAX_FUNCTION_LINES) longFunctions.push(`${file}:${start + 1}`);
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
    assert.deepEqual(longFunctions, []);
  });
});
