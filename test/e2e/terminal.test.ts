import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { generateKeyText } from "../../src/transform/mask-key.ts";
import { generateEvents } from "../fixtures/sample-events.ts";
import { runCli, startCli, until } from "../helpers/cli.ts";
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
    // Follow mode never ends by itself. The shell prints its pid and becomes the CLI (exec), so the test can send
    // the SIGTERM an orchestrator would, once the status line shows the whole queue received and a commit made:
    // a fixed delay instead failed on a slow machine that had not received everything yet.
    const command = `echo securelog-pid=$$; exec ${BIN} run --wait-time 1 --queue-url ${queueUrl} --database-url ${services.db.url}`;
    const running = startCli(["-qfec", command, "/dev/null"], { SECURELOG_KEY: key }, { command: "script" });
    const STATUS =
      /received 3000 {2}loaded \d+ {2}rejected \d+ {2}\d+ msg\/s {2}in flight \d+ {2}pollers \d+ {2}last commit \d+:\d\d ago/;
    await until(
      () => STATUS.test(running.output()),
      () => `a status line with the whole queue received:\n${running.output()}`,
      60_000,
    );
    const pid = Number(/securelog-pid=(\d+)/.exec(running.output())?.[1]);
    process.kill(pid, "SIGTERM");
    const result = await running.done;
    assert.equal(result.code, 0, result.stdout); // a graceful stop after the first signal
    assert.match(result.stdout, /WARN finishing in-flight batches.* signal=SIGTERM/);
    // The notice starts on a cleared line, never glued to the status line ("…0:12 ago14:39:00 WARN").
    const notice = result.stdout.indexOf(" WARN finishing");
    assert.equal(
      result.stdout.slice(notice - 8 - CLEAR_LINE.length - 1, notice - 8),
      `\r${CLEAR_LINE}`,
      "the shutdown notice clears the status line first",
    );
    assert.doesNotMatch(result.stdout, /ago\d\d:\d\d:\d\d WARN/);
    assert.match(result.stdout, /received\s+3000/);
    assert.match(
      result.stdout,
      /deleted from queue\s+3000/,
      "every received message committed before the exit",
    );
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
      const record = JSON.parse(line) as { level: string; msg: string; time: string };
      // Levels as words and times as ISO-8601, as log pipelines expect.
      assert.match(record.level, /^(trace|debug|info|warn|error|fatal)$/);
      assert.match(record.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(typeof record.msg, "string");
    }
    const raw = events.flatMap((e) => [e.ip, e.deviceId]).filter((v): v is string => v !== undefined);
    assert.deepEqual(
      raw.filter((v) => result.stderr.includes(v)),
      [],
    );
  });
});
