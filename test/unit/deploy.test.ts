import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import type { OptionSpec } from "../../src/config/option-spec.ts";
import { RUN_OPTIONS } from "../../src/config/options.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");

/** Every environment variable SecureLog reads (src/config/), so deployment files cannot name one it ignores. */
const KNOWN_ENV = new Set([
  ...Object.values(RUN_OPTIONS as Record<string, OptionSpec>).flatMap((spec) => spec.env ?? []),
  "SECURELOG_KEY",
  "SECURELOG_PREVIOUS_KEYS",
]);

describe("deployment files", () => {
  it("the image's entrypoint runs outside Docker, as a non-root user, without dev dependencies", () => {
    const dockerfile = read("Dockerfile");
    const json = (directive: string) =>
      JSON.parse(new RegExp(`^${directive} (\\[.*\\])$`, "m").exec(dockerfile)?.[1] ?? "[]") as string[];
    const [program, ...args] = [...json("ENTRYPOINT"), ...json("CMD")];
    assert.equal(program, "node");
    const result = spawnSync(process.execPath, [...args, "--help"], { cwd: ROOT, encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /Usage: securelog run/);
    const finalStage = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));
    assert.match(finalStage, /^FROM node:24-slim$/m);
    assert.match(
      finalStage,
      /^USER 1000:1000$/m,
      "a numeric user: the kubelet checks runAsNonRoot only on numbers",
    );
    assert.match(dockerfile, /npm ci --omit=dev/);
    assert.match(dockerfile, /^ENV MALLOC_ARENA_MAX=2$/m, "same malloc setting as the launcher");
    const launcherFlags = /^#!\/usr\/bin\/env -S MALLOC_ARENA_MAX=2 node (.*)$/m
      .exec(read("bin/securelog.mjs"))?.[1]
      ?.split(" ");
    assert.deepEqual(args.slice(0, launcherFlags?.length), launcherFlags, "same V8 flags as the launcher");
  });

  it("docker compose: LocalStack with login-queue filled by the init hook, PostgreSQL, SecureLog against them", () => {
    const compose = parse(read("docker-compose.yml")) as {
      services: Record<
        string,
        { environment?: Record<string, string>; volumes?: string[]; depends_on?: object }
      >;
    };
    assert.deepEqual(Object.keys(compose.services).sort(), [
      "localstack",
      "postgres",
      "securelog",
      "securelog-key",
    ]);
    const hook = compose.services.localstack?.volumes?.find((v) =>
      v.includes("/etc/localstack/init/ready.d/"),
    );
    assert.ok(hook?.startsWith("./deploy/localstack/init-login-queue.sh:"));
    assert.match(read("deploy/localstack/init-login-queue.sh"), /create-queue --queue-name login-queue/);
    const env = compose.services.securelog?.environment ?? {};
    for (const name of Object.keys(env)) assert.ok(KNOWN_ENV.has(name), `SecureLog does not read ${name}`);
    assert.equal(env.SQS_QUEUE_URL, "http://localstack:4566/000000000000/login-queue");
    assert.match(env.DATABASE_URL ?? "", /@postgres:5432\//);
    assert.ok(compose.services.securelog?.depends_on !== undefined);
    // The key service writes the file the run reads, through the same volume.
    const keyCommand = (
      compose.services["securelog-key"] as { command?: string[] } | undefined
    )?.command?.join(" ");
    assert.ok(keyCommand?.includes(`keygen --out ${env.SECURELOG_KEY_FILE}`), keyCommand);
  });

  it("the GitHub Actions workflow runs what .ci/run runs, with a PostgreSQL service", () => {
    const workflow = parse(read(".github/workflows/ci.yml")) as {
      jobs: { test: { services: { postgres: { image: string } }; steps: { run?: string }[] } };
    };
    const runs = workflow.jobs.test.steps.flatMap((s) =>
      s.run === undefined ? [] : [s.run.split(" ").slice(0, 2).join(" ")],
    );
    assert.deepEqual(runs, ["npm ci", "npm test"]);
    assert.match(read(".ci/run"), /npm ci/);
    assert.match(read(".ci/run"), /npm test/);
    assert.match(workflow.jobs.test.services.postgres.image, /^postgres:/);
  });
});
