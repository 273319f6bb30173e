import assert from "node:assert/strict";
import net from "node:net";
import { describe, it } from "node:test";
import { generateKeyText, parseKey } from "../../src/transform/mask-key.ts";
import { oneLineError, runCli } from "../helpers/cli.ts";
import { useServices } from "../helpers/services.ts";

/** A port on 127.0.0.1 where nothing listens. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === "object" && address !== null ? address.port : 1;
}

describe("CLI errors: one clear line and the documented exit code", () => {
  const services = useServices();
  const key = { SECURELOG_KEY: generateKeyText() };

  it("missing key: exit 2, says how to make one", async () => {
    oneLineError(await runCli(["run"]), 2, /no masking key configured.*securelog keygen/);
  });

  it("bad queue URL: exit 2, names the option", async () => {
    oneLineError(await runCli(["run", "--queue-url", "localhost:4566/q"], key), 2, /--queue-url/);
  });

  it("unknown option: exit 2, points to --help", async () => {
    oneLineError(
      await runCli(["run", "--queue", "x"], key),
      2,
      /Unknown option '--queue'.*securelog run --help/,
    );
  });

  it("a mistyped option or command gets a suggestion; -v is --version", async () => {
    oneLineError(
      await runCli(["run", "--untl-empty"], key),
      2,
      /Unknown option '--untl-empty'; did you mean --until-empty\?.*securelog run --help/,
    );
    oneLineError(await runCli(["rn"], key), 2, /unknown command "rn"; did you mean "run"\?/);
    // Nothing close: no guess.
    oneLineError(await runCli(["run", "--zzzzzz"], key), 2, /Unknown option '--zzzzzz'\. See/);
    for (const args of [["-v"], ["run", "-v"]]) {
      const version = await runCli(args);
      assert.equal(version.code, 0, version.stderr);
      assert.match(version.stdout, /^securelog \d+\.\d+\.\d+ \(Node /);
    }
  });

  it("replay with a malformed --from-dlq names --from-dlq, not --queue-url", async () => {
    oneLineError(
      await runCli(["replay", "--from-dlq", "localhost:4566/dlq"], key),
      2,
      /^securelog: error: --from-dlq (is not a valid URL|must be an http)/,
    );
    oneLineError(
      await runCli(["replay", "--from-dlq", "http://localhost:4566/a/b/c/dlq"], key),
      2,
      /^securelog: error: --from-dlq must look like/,
    );
  });

  it("unreachable database: exit 1, names host, port and database", async () => {
    const port = await closedPort();
    const result = await runCli(
      ["run", "--database-url", `postgres://postgres:pw@127.0.0.1:${port}/analytics`],
      key,
    );
    oneLineError(
      result,
      1,
      new RegExp(
        `cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port}/analytics.*ECONNREFUSED.*checked at start-up, not retried`,
      ),
    );
    assert.doesNotMatch(result.stderr, /pw@/);
  });

  it("unreachable SQS endpoint: exit 1, names the endpoint", async () => {
    const port = await closedPort();
    const result = await runCli(
      [
        "run",
        "--queue-url",
        `http://127.0.0.1:${port}/000000000000/login-queue`,
        "--database-url",
        services.db.url,
      ],
      key,
    );
    oneLineError(
      result,
      1,
      new RegExp(
        `cannot reach SQS at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\).*checked at start-up`,
      ),
    );
  });

  it("nonexistent queue: exit 1, names the queue", async () => {
    const queueUrl = `${services.sqs.endpoint}/000000000000/no-such-queue`;
    const result = await runCli(["run", "--queue-url", queueUrl, "--database-url", services.db.url], key);
    oneLineError(result, 1, /the queue .*no-such-queue does not exist/);
    // Which queues the endpoint does have, so a typo or a wrong host form shows at once.
    await services.sqs.createQueue("the-real-queue");
    const named = await runCli(["run", "--queue-url", queueUrl, "--database-url", services.db.url], key);
    oneLineError(named, 1, /does not exist .*\(the endpoint has: .*\/000000000000\/the-real-queue/);
  });

  it("--verbose adds the stack trace", async () => {
    const port = await closedPort();
    const result = await runCli(
      ["run", "--verbose", "--database-url", `postgres://127.0.0.1:${port}/x`],
      key,
    );
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^\s+at /m);
  });

  it("every command has --help, and keygen prints a usable key", async () => {
    for (const command of [
      "run",
      "keygen",
      "demo",
      "reveal",
      "forget",
      "rekey",
      "prune",
      "replay",
      "stats",
    ]) {
      for (const args of [
        [command, "--help"],
        ["help", command],
      ]) {
        const result = await runCli(args);
        assert.equal(result.code, 0);
        assert.match(result.stdout, new RegExp(`Usage: securelog ${command}`));
      }
    }
    const help = await runCli(["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Commands:/);
    const keygen = await runCli(["keygen"]);
    assert.equal(keygen.code, 0);
    assert.doesNotThrow(() => parseKey(keygen.stdout, "keygen's output"));
    const bad = await runCli(["frobnicate"]);
    oneLineError(bad, 2, /unknown command "frobnicate"/);
  });

  it("`npx securelog` works from the repository root with no build step", async () => {
    const result = await runCli(["--no-install", "securelog", "keygen", "--help"], {}, { command: "npx" });
    assert.equal(result.code, 0);
    assert.match(result.stdout, /Usage: securelog keygen/);
    // Under the system's npm and Node (possibly 20), as a user's shell runs it: no engine warnings, although the
    // packages want Node >= 22, because what runs them is the pinned Node 24 (.npmrc says why).
    const systemFirst = await runCli(
      ["--no-install", "securelog", "--version"],
      { PATH: `/usr/bin:/usr/local/bin:${process.env.PATH ?? ""}` },
      { command: "npx" },
    );
    assert.equal(systemFirst.code, 0, systemFirst.stderr);
    assert.match(systemFirst.stdout, /\(Node 24\./);
    assert.doesNotMatch(systemFirst.stderr, /EBADENGINE|npm warn/);
    // The install itself: `npm ci` under a Node-20 npm printed 55 EBADENGINE warnings (checked as a dry run).
    const install = await runCli(
      ["ci", "--dry-run", "--no-audit", "--no-fund"],
      { PATH: `/usr/bin:/usr/local/bin:${process.env.PATH ?? ""}` },
      { command: "npm" },
    );
    assert.equal(install.code, 0, install.stderr);
    assert.doesNotMatch(install.stderr, /EBADENGINE/);
  });

  it("--mask sha256 runs without a key but warns why it is weak", async () => {
    const queueUrl = await services.sqs.createQueue("empty-queue");
    // A schema of its own: the other tests here wrote the public tables with --mask hmac.
    await services.db.query("CREATE SCHEMA IF NOT EXISTS weak");
    const result = await runCli(
      [
        "run",
        "--mask",
        "sha256",
        "--until-empty",
        "--wait-time",
        "0",
        "--queue-url",
        queueUrl,
        "--database-url",
        services.db.url,
        "--schema",
        "weak",
      ],
      {},
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /warning: --mask sha256 is unkeyed.*recover every raw value/);
    assert.match(result.stdout, /received\s+0/);
  });
});
