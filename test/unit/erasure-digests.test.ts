import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { generateKeyText, keyRing, parseKey } from "../../src/transform/mask-key.ts";
import { transformsFor } from "../../src/transform/transform.ts";

const { transform } = transformsFor(
  { mode: "hmac", keys: keyRing(parseKey(generateKeyText(), "k"), []) },
  "major",
);
const message = (body: string) => ({
  id: "m1",
  body,
  sentTimestampMs: undefined,
  receiveCount: 1,
  receivedAt: new Date(),
});

describe("the erasure digests of a rejected body", () => {
  it("a body of 200,000 array items (400 KB, well within SQS's limit) is left unchecked, never a crash", () => {
    const outcome = transform(message(`{"user_id":"u","list":[${new Array(200_000).fill(1).join(",")}]}`));
    assert.equal(outcome.kind, "reject");
    assert.deepEqual(outcome.digests?.(), { ip: [], device_id: [], unchecked: true });
  });

  it("a body with a few strings is checked, each as an ip and as a device id", () => {
    const outcome = transform(message('{"user_id":"u","note":["1.2.3.4",{"k":"x"}]}'));
    const digests = outcome.digests?.();
    assert.equal(digests?.unchecked, undefined);
    // user_id, "u", note, "1.2.3.4", k, "x": six strings, one key loaded.
    assert.equal(digests?.ip.length, 6);
    assert.equal(digests?.device_id.length, 6);
  });
});
