import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { generateKeyText } from "../../src/transform/mask-key.ts";
import { generateEvents } from "../fixtures/sample-events.ts";
import { runCli } from "../helpers/cli.ts";
import { useServices } from "../helpers/services.ts";

const BIN = fileURLToPath(new URL("../../bin/securelog.mjs", import.meta.url));
/** The escape that starts "clear to end of line", built from its code so that no regex holds a raw control character. */
const CLEAR_LINE = `${String.fromCharCode(27)}[K`;
const PROGRESS = /received \d+ {2}loaded \d+ {2}rejected \d+ {2}\d+ msg\/s {2}queue \S+ {2}ETA \S+/;

describe("output on a terminal and off it", () => {
  const services = useServices();
  const key = generateKeyText();

  async function queueOf(name: string) {
    const queueUrl = await services.sqs.createQueue(name);
    const events = generateEvents(3000, { seed: 99 });
    await services.sqs.send(
      queueUrl,
      events.map((e) => e.body),
    );
    return { queueUrl, events };
  }

  it("on a terminal: a live progress line and readable log lines", async () => {
    const { queueUrl } = await queueOf("tty");
    const command = `${BIN} run --until-empty --queue-url ${queueUrl} --database-url ${services.db.url}`;
    // util-linux `script` runs the command under a pseudo-terminal and copies what it shows.
    const result = await runCli(
      ["-qfec", command, "/dev/null"],
      { SECURELOG_KEY: key },
      { command: "script" },
    );
    assert.equal(result.code, 0, result.stdout);
    assert.match(result.stdout, PROGRESS);
    assert.ok(result.stdout.includes(`\r${CLEAR_LINE}received `), "redrawn in place");
    assert.match(result.stdout, /\d\d:\d\d:\d\d INFO consuming queue=/);
    assert.doesNotMatch(result.stdout, /"msg":"consuming"/);
    assert.match(result.stdout, /received\s+3000/);
  });

  it("following on a terminal: a live status line with the rate, messages in flight, pollers and the last commit", async () => {
    const { queueUrl } = await queueOf("tty-follow");
    // Follow mode never ends by itself: `timeout` sends SIGTERM after a few seconds, a graceful stop.
    const command = `timeout -s TERM 4 ${BIN} run --wait-time 1 --queue-url ${queueUrl} --database-url ${services.db.url}`;
    const result = await runCli(
      ["-qfec", command, "/dev/null"],
      { SECURELOG_KEY: key },
      { command: "script" },
    );
    assert.equal(result.code, 124, result.stdout); // timeout's code for "had to stop it"
    assert.match(
      result.stdout,
      /received 3000 {2}loaded \d+ {2}rejected \d+ {2}\d+ msg\/s {2}in flight \d+ {2}pollers \d+ {2}last commit \d+:\d\d ago/,
    );
    assert.match(result.stdout, /WARN finishing in-flight batches.* signal=SIGTERM/);
    assert.match(result.stdout, /received\s+3000/);
  });

  it("off a terminal: no progress line, and every log line is JSON without PII", async () => {
    const { queueUrl, events } = await queueOf("pipe");
    const result = await runCli(
      [
        "run",
        "--until-empty",
        "--log-level",
        "debug",
        "--queue-url",
        queueUrl,
        "--database-url",
        services.db.url,
      ],
      { SECURELOG_KEY: key },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.ok(!(result.stderr + result.stdout).includes(CLEAR_LINE));
    assert.doesNotMatch(result.stderr, PROGRESS);
    const lines = result.stderr.split("\n").filter((line) => line !== "");
    assert.ok(lines.length > 3);
    for (const line of lines) {
      const record = JSON.parse(line) as { level: number; msg: string };
      assert.equal(typeof record.level, "number");
      assert.equal(typeof record.msg, "string");
    }
    const raw = events.flatMap((e) => [e.ip, e.deviceId]).filter((v): v is string => v !== undefined);
    assert.deepEqual(
      raw.filter((v) => result.stderr.includes(v)),
      [],
    );
  });
});
