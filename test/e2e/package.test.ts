import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { generateKeyText } from "../../src/transform/mask-key.ts";
import { generateEvents } from "../fixtures/sample-events.ts";
import { REPO_ROOT, runCli } from "../helpers/cli.ts";
import { useServices } from "../helpers/services.ts";

/** Packages only the demo and the tests use: a production install must not carry them. */
const DEV_ONLY = ["fauxqs", "@electric-sql/pglite", "@electric-sql/pglite-socket", "fastify", "typescript"];

describe("the production install", () => {
  const services = useServices();

  it("npm ci --omit=dev leaves out the emulator, PGlite, fastify and typescript (the lockfile marks them dev-only)", () => {
    const lock = JSON.parse(readFileSync(join(REPO_ROOT, "package-lock.json"), "utf8")) as {
      packages: Record<string, { dev?: boolean }>;
    };
    for (const name of DEV_ONLY) {
      const entry = lock.packages[`node_modules/${name}`];
      assert.ok(entry !== undefined, `${name} is in the lockfile`);
      assert.equal(entry.dev, true, `${name} would be installed by npm ci --omit=dev`);
    }
  });

  it("the packed tarball installs into an empty prefix, says its version and drains a queue into PostgreSQL", async () => {
    const dir = mkdtempSync(join(tmpdir(), "securelog-pack-"));
    try {
      // `npm pack` builds dist/ (prepack); the tarball holds JavaScript, not the TypeScript sources.
      execFileSync("npm", ["pack", "--pack-destination", dir, "--silent"], { cwd: REPO_ROOT, stdio: "pipe" });
      const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"));
      assert.ok(tarball !== undefined);
      const files = execFileSync("tar", ["-tzf", join(dir, tarball)], { encoding: "utf8" }).split("\n");
      assert.ok(files.includes("package/dist/cli/entry.js"));
      assert.ok(files.includes("package/dist/pipeline/pipeline.js"));
      assert.deepEqual(
        files.filter((f) => /^package\/(src|test|scripts)\//.test(f) || f.endsWith(".ts")),
        [],
      );

      // Installed as a user would, into an empty prefix, with Node 24 first on PATH (the package needs Node >= 22).
      const prefix = join(dir, "prefix");
      const path = `${dirname(process.execPath)}:${process.env.PATH ?? ""}`;
      execFileSync(
        "npm",
        [
          "install",
          "--global",
          "--prefix",
          prefix,
          join(dir, tarball),
          "--no-audit",
          "--no-fund",
          "--prefer-offline",
        ],
        { env: { ...process.env, PATH: path }, stdio: "pipe" },
      );
      const installed = join(prefix, "lib", "node_modules", "securelog");
      for (const name of DEV_ONLY)
        assert.equal(existsSync(join(installed, "node_modules", name)), false, `${name} installed`);
      const bin = join(prefix, "bin", "securelog");
      const env = { PATH: path };

      const version = await runCli(["--version"], env, { command: bin });
      assert.equal(version.code, 0, version.stderr);
      const { version: expected } = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8"));
      assert.match(version.stdout, new RegExp(`^securelog ${expected.replaceAll(".", "\\.")} `));

      const { db, sqs } = services;
      const queueUrl = await sqs.createQueue("packed");
      const events = generateEvents(300, { seed: 12, badRatio: 0.1 });
      await sqs.send(
        queueUrl,
        events.map((e) => e.body),
      );
      const run = await runCli(
        ["run", "--until-empty", "--queue-url", queueUrl, "--database-url", db.url],
        { ...env, SECURELOG_KEY: generateKeyText() },
        { command: bin },
      );
      assert.equal(run.code, 0, run.stderr);
      const [counts] = await db.query<{ rows: string; rejects: string }>(
        "SELECT (SELECT count(*) FROM user_logins) AS rows, (SELECT count(*) FROM user_logins_rejects) AS rejects",
      );
      assert.deepEqual(
        { rows: Number(counts?.rows), rejects: Number(counts?.rejects) },
        {
          rows: events.filter((e) => e.expect === "row").length,
          rejects: events.filter((e) => e.expect !== "row").length,
        },
      );
      assert.deepEqual(await sqs.depth(queueUrl), { visible: 0, inFlight: 0 });
      // The demo is not part of a production install, and says so in one line.
      const demo = await runCli(["demo"], env, { command: bin });
      assert.equal(demo.code, 2);
      assert.match(demo.stderr, /^securelog: error: the demo needs the development install/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
