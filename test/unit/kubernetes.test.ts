import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type IScaledObject, ScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject";
import {
  type ITriggerAuthentication,
  TriggerAuthentication,
} from "@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication";
import {
  type IPrometheusRule,
  PrometheusRule,
} from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import {
  type IServiceMonitor,
  ServiceMonitor,
} from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import { Deployment, type IDeployment } from "kubernetes-models/apps/v1/Deployment";
import { CronJob, type ICronJob } from "kubernetes-models/batch/v1/CronJob";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import { type IService, Service } from "kubernetes-models/v1/Service";
import { type IServiceAccount, ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { Registry } from "prom-client";
import { parse, parseAllDocuments } from "yaml";
import { RUN_OPTIONS } from "../../src/config/options.ts";
import { startHealthServer } from "../../src/ops/health-server.ts";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");

/** The published schema of each kind we ship (kubernetes-models, @kubernetes-models/keda and prometheus-operator). */
const MODELS: Record<string, { validate(this: void, data: object): void }> = {
  "apps/v1 Deployment": { validate: (d) => new Deployment(d as never).validate() },
  "batch/v1 CronJob": { validate: (d) => new CronJob(d as never).validate() },
  "v1 Service": { validate: (d) => new Service(d as never).validate() },
  "v1 ServiceAccount": { validate: (d) => new ServiceAccount(d as never).validate() },
  "keda.sh/v1alpha1 ScaledObject": { validate: (d) => new ScaledObject(d as never).validate() },
  "keda.sh/v1alpha1 TriggerAuthentication": {
    validate: (d) => new TriggerAuthentication(d as never).validate(),
  },
  "monitoring.coreos.com/v1 ServiceMonitor": { validate: (d) => new ServiceMonitor(d as never).validate() },
  "monitoring.coreos.com/v1 PrometheusRule": { validate: (d) => new PrometheusRule(d as never).validate() },
};

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
}

/** Present, or the test fails saying what was missing. */
function must<T>(value: T | undefined | null, what: string): T {
  assert.ok(value !== undefined && value !== null, `missing: ${what}`);
  return value;
}

const FILES = readdirSync(new URL("../../deploy/kubernetes/", import.meta.url)).filter(
  (f) => f.endsWith(".yaml") && f !== "kustomization.yaml",
);
const manifests: Manifest[] = FILES.flatMap((file) =>
  parseAllDocuments(read(`deploy/kubernetes/${file}`))
    .map((d) => d.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null),
);
/** The one manifest of this kind (and name); typed as its model, which the first test validates it against. */
function one<T>(kind: string, name?: string): T {
  const found = manifests.filter((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
  assert.equal(found.length, 1, `one ${kind} ${name ?? ""}`);
  return found[0] as T;
}

const deployment = one<IDeployment>("Deployment");
const pod = must(deployment.spec?.template.spec, "the Deployment's pod spec");
const container = must(pod.containers[0], "the Deployment's container");
const env = new Map((container.env ?? []).map((e) => [e.name, e.value ?? "(secret)"]));
const cronPod = must(
  one<ICronJob>("CronJob").spec?.jobTemplate.spec?.template.spec,
  "the CronJob's pod spec",
);
const KNOWN_ENV = new Set([
  ...Object.values(RUN_OPTIONS).flatMap((spec) => ("env" in spec ? (spec.env ?? []) : [])),
  "SECURELOG_KEY",
  "SECURELOG_PREVIOUS_KEYS",
]);

describe("Kubernetes manifests", () => {
  it("every manifest validates against the published schema of its kind", () => {
    assert.ok(manifests.length >= 8, `${manifests.length} manifests`);
    for (const manifest of manifests) {
      const model = MODELS[`${manifest.apiVersion} ${manifest.kind}`];
      assert.ok(model !== undefined, `no schema for ${manifest.apiVersion} ${manifest.kind}`);
      assert.doesNotThrow(() => model.validate(manifest), `${manifest.kind} ${manifest.metadata.name}`);
    }
    // The schemas catch what an operator's slip would break: a type, a missing field, a malformed duration.
    assert.throws(() =>
      MODELS["apps/v1 Deployment"]?.validate({ ...deployment, spec: { ...deployment.spec, replicas: "2" } }),
    );
    assert.throws(() =>
      MODELS["monitoring.coreos.com/v1 PrometheusRule"]?.validate({
        ...one<IPrometheusRule>("PrometheusRule"),
        spec: { groups: [{ name: "g", rules: [{ alert: "A", expr: "up", for: "5 minutes" }] }] },
      }),
    );
  });

  it("the pod passes the kubelet's runAsNonRoot check: the image's user is the same non-zero number", () => {
    const dockerfile = read("Dockerfile");
    const finalStage = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));
    const [uid, gid] = (/^USER (\d+):(\d+)$/m.exec(finalStage) ?? []).slice(1).map(Number);
    assert.ok(uid !== undefined && uid > 0, "a numeric, non-root USER in the image");
    assert.match(finalStage, new RegExp(`chown ${uid}:${gid} /var/lib/securelog`));
    for (const spec of [pod, cronPod] satisfies IPodSpec[]) {
      assert.equal(spec.securityContext?.runAsNonRoot, true);
      assert.equal(spec.securityContext?.runAsUser, uid);
      assert.equal(spec.securityContext?.runAsGroup, gid);
      for (const c of spec.containers) {
        assert.equal(c.securityContext?.allowPrivilegeEscalation, false);
        assert.equal(c.securityContext?.readOnlyRootFilesystem, true);
        assert.deepEqual(c.securityContext?.capabilities?.drop, ["ALL"]);
      }
    }
  });

  it("the Deployment: probes on /healthz and /readyz, a grace period longer than the shutdown timeout, no replica count under the autoscaler", () => {
    for (const name of env.keys()) assert.ok(KNOWN_ENV.has(name), `SecureLog does not read ${name}`);
    const metricsPort = container.ports?.find((p) => p.name === "metrics")?.containerPort;
    assert.equal(String(metricsPort), env.get("SECURELOG_METRICS_PORT"));
    assert.deepEqual(container.livenessProbe?.httpGet, { path: "/healthz", port: "metrics" });
    assert.deepEqual(container.readinessProbe?.httpGet, { path: "/readyz", port: "metrics" });
    assert.ok((pod.terminationGracePeriodSeconds ?? 30) > Number(env.get("SECURELOG_SHUTDOWN_TIMEOUT")));
    assert.equal(one<IScaledObject>("ScaledObject").spec.scaleTargetRef.name, deployment.metadata?.name);
    assert.equal(deployment.spec?.replicas, undefined, "every apply would reset what KEDA chose");
    assert.equal(pod.serviceAccountName, one<IServiceAccount>("ServiceAccount").metadata?.name);
  });

  it("KEDA: a TriggerAuthentication with the workload's IRSA identity, the queue URL from the Deployment's env, only documented parameters", () => {
    const scaled = one<IScaledObject>("ScaledObject");
    const trigger = must(scaled.spec.triggers[0], "a trigger");
    assert.equal(trigger.type, "aws-sqs-queue");
    const auth = one<ITriggerAuthentication>(
      "TriggerAuthentication",
      must(trigger.authenticationRef, "authenticationRef").name,
    );
    assert.deepEqual(auth.spec.podIdentity, { provider: "aws", identityOwner: "workload" });
    const documented = [
      "queueURL",
      "queueURLFromEnv",
      "queueLength",
      "activationQueueLength",
      "awsRegion",
      "awsEndpoint",
      "scaleOnInFlight",
      "scaleOnDelayed",
    ];
    const metadata = trigger.metadata as Record<string, string>;
    for (const key of Object.keys(metadata))
      assert.ok(documented.includes(key), `${key} (deprecated or unknown)`);
    assert.ok(
      env.has(must(metadata.queueURLFromEnv, "queueURLFromEnv")),
      "it names the Deployment's variable",
    );
    assert.equal(metadata.queueURL, undefined, "one source for the queue URL");
    const region = /^https:\/\/sqs\.([a-z0-9-]+)\./.exec(String(env.get("SQS_QUEUE_URL")))?.[1];
    assert.equal(metadata.awsRegion, region);
    // cooldownPeriod only governs scaling to zero: with a minimum of one replica it would do nothing.
    assert.ok((scaled.spec.minReplicaCount ?? 0) >= 1);
    assert.equal(scaled.spec.cooldownPeriod, undefined);
  });

  it("a daily CronJob prunes the ledger against the same queue and database", () => {
    const cron = one<ICronJob>("CronJob");
    const prune = must(cronPod.containers[0], "the CronJob's container");
    assert.equal(prune.image, container.image);
    assert.deepEqual(prune.args, ["prune"]);
    const cronEnv = new Map((prune.env ?? []).map((e) => [e.name, e]));
    assert.equal(cronEnv.get("SQS_QUEUE_URL")?.value, env.get("SQS_QUEUE_URL"));
    assert.deepEqual(
      cronEnv.get("DATABASE_URL"),
      container.env?.find((e) => e.name === "DATABASE_URL"),
    );
    assert.match(cron.spec?.schedule ?? "", /^\d+ \d+ \* \* \*$/);
    assert.equal(cron.spec?.concurrencyPolicy, "Forbid");
  });

  it("the ServiceMonitor reaches the pods' metrics port through the Service; the PrometheusRule is alerts.yml", () => {
    const service = one<IService>("Service");
    const monitor = one<IServiceMonitor>("ServiceMonitor");
    assert.deepEqual(monitor.spec.selector.matchLabels, service.metadata?.labels);
    assert.deepEqual(service.spec?.selector, deployment.spec?.template.metadata?.labels);
    const endpoint = must(monitor.spec.endpoints?.[0], "an endpoint");
    const servicePort = service.spec?.ports?.find((p) => p.name === endpoint.port);
    assert.equal(servicePort?.targetPort, "metrics");
    // The alerts' `up{job="securelog"}` matches: the Operator names the job after the Service.
    const name = must(service.metadata?.name, "the Service's name");
    assert.match(read("deploy/prometheus/alerts.yml"), new RegExp(`up\\{job="${name}"\\}`));
    assert.deepEqual(
      one<IPrometheusRule>("PrometheusRule").spec.groups,
      (parse(read("deploy/prometheus/alerts.yml")) as { groups: unknown }).groups,
    );
  });

  it("the kustomization names every manifest beside it", () => {
    const kustomization = parse(read("deploy/kubernetes/kustomization.yaml")) as { resources: string[] };
    assert.deepEqual([...kustomization.resources].sort(), [...FILES].sort());
  });

  const kustomize = ["kubectl", "kustomize"].find(
    (tool) => spawnSync(tool, tool === "kubectl" ? ["version", "--client"] : ["version"]).status === 0,
  );
  it("its settings (image, namespace, queue and so the region, runbook base) reach every manifest as built", {
    skip: kustomize === undefined ? "neither kubectl nor kustomize is installed" : false,
  }, () => {
    // A copy with every setting changed, built by the real tool (kubectl's kustomize, or kustomize itself).
    const dir = mkdtempSync(join(tmpdir(), "securelog-kustomize-"));
    cpSync(fileURLToPath(new URL("../../deploy/kubernetes/", import.meta.url)), dir, { recursive: true });
    const file = join(dir, "kustomization.yaml");
    writeFileSync(
      file,
      readFileSync(file, "utf8")
        .replace("namespace: securelog", "namespace: analytics")
        .replace("newName: ghcr.io/example/securelog", "newName: registry.internal/etl/securelog")
        .replace("newTag: 0.1.0", "newTag: 1.2.3")
        .replace(
          /SQS_QUEUE_URL=\S+/,
          "SQS_QUEUE_URL=https://sqs.ap-south-1.amazonaws.com/210987654321/logins",
        )
        .replace(/RUNBOOK_BASE_URL=\S+/, "RUNBOOK_BASE_URL=https://wiki.internal/securelog"),
    );
    const built = spawnSync(
      kustomize ?? "kubectl",
      kustomize === "kubectl" ? ["kustomize", dir] : ["build", dir],
      {
        encoding: "utf8",
      },
    );
    assert.equal(built.status, 0, built.stderr);
    const rendered = parseAllDocuments(built.stdout).map((d) => d.toJS() as Manifest & Record<string, never>);
    assert.equal(
      rendered.length,
      manifests.length,
      "every manifest, and nothing more (no settings ConfigMap)",
    );
    const text = built.stdout;
    for (const manifest of rendered)
      assert.equal((manifest.metadata as { namespace?: string }).namespace, "analytics", manifest.kind);
    assert.equal(text.match(/image: registry\.internal\/etl\/securelog:1\.2\.3/g)?.length, 2);
    assert.doesNotMatch(text, /ghcr\.io|eu-west-1|github\.com/);
    assert.equal(
      text.match(/value: https:\/\/sqs\.ap-south-1\.amazonaws\.com\/210987654321\/logins/g)?.length,
      2,
      "the Deployment's and the CronJob's queue",
    );
    assert.match(text, /awsRegion: ap-south-1/);
    const rules = rendered.find((m) => m.kind === "PrometheusRule") as unknown as IPrometheusRule;
    for (const rule of rules.spec.groups?.flatMap((g) => g.rules ?? []) ?? [])
      assert.equal(
        rule.annotations?.runbook_url,
        "https://wiki.internal/securelog/docs/operations.md#alerts",
      );
  });

  it("the alerts link their runbook with an absolute runbook_url", () => {
    for (const rule of one<IPrometheusRule>("PrometheusRule").spec.groups?.flatMap((g) => g.rules ?? []) ??
      []) {
      assert.match(rule.annotations?.runbook_url ?? "", /^https:\/\/\S+\/docs\/operations\.md#alerts$/);
      assert.equal(rule.annotations?.runbook, undefined);
    }
  });

  it("the image's HEALTHCHECK needs no curl: Node asks /healthz, 0 when it answers, 1 when nothing listens", async () => {
    const dockerfile = read("Dockerfile");
    const command = JSON.parse(
      /^\s+CMD (\[.*\])$/m.exec(dockerfile.slice(dockerfile.indexOf("HEALTHCHECK")))?.[1] ?? "[]",
    ) as string[];
    assert.equal(command[0], "node");
    assert.match(dockerfile, /^ENV SECURELOG_METRICS_PORT=9464$/m);
    const server = await startHealthServer("127.0.0.1", 0, new Registry(), []);
    // Asynchronously: the server answering it runs in this process.
    const probe = async (port: number) => {
      const child = spawn(process.execPath, command.slice(1), {
        env: { SECURELOG_METRICS_PORT: String(port) },
        stdio: "ignore",
      });
      const [code] = await once(child, "exit");
      return code;
    };
    try {
      assert.equal(await probe(server.port), 0);
    } finally {
      await server.close();
    }
    assert.equal(await probe(server.port), 1);
  });
});
