import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parse, parseAllDocuments } from "yaml";
import { type OptionSpec, RUN_OPTIONS } from "../../src/config.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");

/** Every environment variable SecureLog reads (config.ts), so deployment files cannot name one it ignores. */
const KNOWN_ENV = new Set([
  ...Object.values(RUN_OPTIONS as Record<string, OptionSpec>).flatMap((spec) => spec.env ?? []),
  "SECURELOG_KEY",
  "SECURELOG_PREVIOUS_KEYS",
]);

interface Container {
  env: { name: string; value?: string }[];
  ports: { name: string; containerPort: number }[];
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
}

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
    assert.match(finalStage, /^USER node$/m);
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

  it("Kubernetes: probes on /healthz and /readyz, a grace period longer than the shutdown timeout, KEDA on the queue", () => {
    const [deployment] = parseAllDocuments(read("deploy/kubernetes/deployment.yaml")).map((d) =>
      d.toJS(),
    ) as {
      metadata: { name: string };
      spec: { template: { spec: { terminationGracePeriodSeconds: number; containers: Container[] } } };
    }[];
    const pod = deployment?.spec.template.spec;
    const container = pod?.containers[0];
    assert.ok(pod !== undefined && container !== undefined);
    const env = new Map(container.env.map((e) => [e.name, e.value]));
    for (const name of env.keys()) assert.ok(KNOWN_ENV.has(name), `SecureLog does not read ${name}`);
    const metricsPort = container.ports.find((p) => p.name === "metrics")?.containerPort;
    assert.equal(String(metricsPort), env.get("SECURELOG_METRICS_PORT"));
    assert.deepEqual(container.livenessProbe.httpGet, { path: "/healthz", port: "metrics" });
    assert.deepEqual(container.readinessProbe.httpGet, { path: "/readyz", port: "metrics" });
    assert.ok(pod.terminationGracePeriodSeconds > Number(env.get("SECURELOG_SHUTDOWN_TIMEOUT")));
    const keda = parse(read("deploy/kubernetes/keda-scaledobject.yaml")) as {
      spec: {
        scaleTargetRef: { name: string };
        triggers: { type: string; metadata: { queueURL: string } }[];
      };
    };
    assert.equal(keda.spec.scaleTargetRef.name, deployment?.metadata.name);
    assert.equal(keda.spec.triggers[0]?.type, "aws-sqs-queue");
    assert.equal(keda.spec.triggers[0]?.metadata.queueURL, env.get("SQS_QUEUE_URL"));
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
