import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RetryWindow } from "../../src/pipeline/retry-window.ts";

describe("the retry window both loops use", () => {
  it("backs off within its cap until the failure has lasted the window, then gives up", () => {
    let now = 1_000;
    const window = new RetryWindow(10_000, 2_000, () => now);
    const steps = [];
    for (;;) {
      const step = window.failed();
      if (step === undefined) break;
      assert.ok(step.delayMs > 0 && step.delayMs <= 2_000, String(step.delayMs));
      steps.push(step.attempt);
      now += step.delayMs;
    }
    assert.deepEqual(
      steps,
      steps.map((_, i) => i + 1),
    );
    assert.ok(now - 1_000 >= 10_000, "gives up only once the window has passed");
    assert.ok(window.failingForSeconds >= 10);
  });

  it("starts afresh after a success: the next outage gets a whole window and a first attempt", () => {
    let now = 0;
    const window = new RetryWindow(1_000, 10_000, () => now);
    window.failed();
    now = 900;
    assert.equal(window.failed()?.attempt, 2);
    window.succeeded();
    now = 5_000;
    assert.equal(window.failed()?.attempt, 1);
    now = 5_900;
    assert.notEqual(window.failed(), undefined);
    now = 6_000;
    assert.equal(window.failed(), undefined);
  });
});
