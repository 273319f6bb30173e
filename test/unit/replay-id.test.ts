import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ORIGINAL_ID_ATTRIBUTE, signOriginalId, verifyOriginalId } from "../../src/source/replay-id.ts";
import { toSourceMessage } from "../../src/source/sqs-source.ts";
import { keyFromBytes } from "../../src/transform/mask-key.ts";

const key = keyFromBytes(Buffer.alloc(32, 3));
const other = keyFromBytes(Buffer.alloc(32, 4));
const id = "5fea7756-0ea4-451a-a703-a558b933e274";

function received(attribute: string | undefined, body = "{}") {
  return toSourceMessage(
    {
      MessageId: "own-id",
      ReceiptHandle: "r",
      Body: body,
      ...(attribute === undefined
        ? {}
        : { MessageAttributes: { [ORIGINAL_ID_ATTRIBUTE]: { DataType: "String", StringValue: attribute } } }),
    },
    new Date(),
    (value, text) => verifyOriginalId([key, other], value, text),
  );
}

describe("the original MessageId that replay carries", () => {
  it("verifies what replay signed, under the current or a previous key", () => {
    assert.equal(verifyOriginalId([key], signOriginalId(key, id, "{}"), "{}"), id);
    assert.equal(verifyOriginalId([other, key], signOriginalId(key, id, "{}"), "{}"), id);
    assert.equal(received(signOriginalId(other, id, "{}"))?.id, id);
  });

  it("a valid attribute copied onto another body does not verify there: that body keys the ledger by its own MessageId", () => {
    const signed = signOriginalId(key, id, '{"user_id":"u1"}');
    assert.equal(received(signed, '{"user_id":"u1"}')?.id, id);
    assert.equal(received(signed, '{"user_id":"u2"}')?.id, "own-id");
    assert.equal(received(signed, '{"user_id":"u1"} ')?.id, "own-id");
  });

  it("ignores a producer's attribute: the message keys the ledger by its own MessageId", () => {
    for (const forged of [
      id,
      "same-for-all",
      `${id}:${key.id}:AAAAAAAAAAAAAAAAAAAAAA`,
      "x".repeat(4000),
      "",
    ]) {
      assert.equal(received(forged)?.id, "own-id", forged.slice(0, 40));
    }
    assert.equal(received(undefined)?.id, "own-id");
  });

  it("refuses a signature under a key that is not loaded, or moved to another id", () => {
    const stranger = keyFromBytes(Buffer.alloc(32, 5));
    assert.equal(verifyOriginalId([key], signOriginalId(stranger, id, "{}"), "{}"), undefined);
    const signed = signOriginalId(key, id, "{}");
    assert.equal(verifyOriginalId([key], signed.replace(id, `${id.slice(0, -1)}5`), "{}"), undefined);
  });

  it("never throws and never returns an id longer than 128 characters, whatever the attribute", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 400 }), (value) => {
        const result = verifyOriginalId([key], value, "{}");
        assert.ok(result === undefined || result.length <= 128);
      }),
    );
    assert.equal(verifyOriginalId([key], signOriginalId(key, "i".repeat(129), "{}"), "{}"), undefined);
  });
});
