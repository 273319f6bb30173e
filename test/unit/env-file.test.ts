import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { withEnvFile } from "../../src/env-file.ts";

describe("the env file", () => {
  const dir = mkdtempSync(join(tmpdir(), "securelog-envfile-"));
  writeFileSync(join(dir, ".env"), "A=from-file\nB='quoted value'\n# comment\nexport C=3\n");

  it("reads .env under the environment: a variable set in the environment wins", () => {
    const { env, file } = withEnvFile({}, { A: "from-env" }, dir);
    assert.equal(file, ".env");
    assert.deepEqual([env.A, env.B, env.C], ["from-env", "quoted value", "3"]);
  });

  it("is skipped with --no-env-file or when there is none, and a named one must exist", () => {
    assert.equal(withEnvFile({ "no-env-file": true }, {}, dir).env.A, undefined);
    assert.equal(withEnvFile({}, {}, tmpdir()).file, undefined);
    assert.throws(
      () => withEnvFile({ "env-file": "nope.env" }, {}, dir),
      /cannot read the env file nope\.env \(ENOENT\)/,
    );
    assert.throws(
      () => withEnvFile({ "env-file": ".env", "no-env-file": true }, {}, dir),
      /exclude each other/,
    );
  });
});
