import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import { createLogger } from "../../src/ops/logger.ts";
import { OutageLog } from "../../src/ops/outage-log.ts";

function capture() {
  const lines: { level: number; msg: string }[] = [];
  const stream = new PassThrough();
  stream.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) if (line !== "") lines.push(JSON.parse(line));
  });
  return { logger: createLogger("info", stream), lines };
}

describe("the log during an outage", () => {
  it("says the first failure, then at most one line every 10 s with the count and last error, then the recovery", async () => {
    const { logger, lines } = capture();
    let now = 0;
    const log = new OutageLog(logger, {
      what: "SQS receive",
      first: (error) => `SQS receive failed, retrying: ${error}`,
      now: () => now,
    });
    // 8 pollers failing every 250 ms for 25 s: 800 failures.
    for (now = 0; now < 25_000; now += 250)
      for (let poller = 0; poller < 8; poller++) log.failed(`ECONNREFUSED ${now}`);
    log.succeeded();
    log.succeeded(); // no second recovery line
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      lines.map((l) => l.msg.replace(/\d+/g, "N")),
      [
        "SQS receive failed, retrying: ECONNREFUSED N",
        "SQS receive still failing after N s: N more failures since the last line (last: ECONNREFUSED N)",
        "SQS receive still failing after N s: N more failures since the last line (last: ECONNREFUSED N)",
        "SQS receive recovered after N s (N failures)",
      ],
    );
    assert.match(lines[1]?.msg ?? "", /after 10 s: 320 more failures .*last: ECONNREFUSED 10000/);
    assert.match(lines[3]?.msg ?? "", /recovered after 25 s \(800 failures\)/);
    // A new outage starts over with its own first line.
    log.failed("ETIMEDOUT");
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(lines.at(-1)?.msg, "SQS receive failed, retrying: ETIMEDOUT");
  });
});
