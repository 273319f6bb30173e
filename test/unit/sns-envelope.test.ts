import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SourceMessage } from "../../src/source/message.ts";
import { createMasker } from "../../src/transform/mask.ts";
import { generateKeyText, keyRing, parseKey } from "../../src/transform/mask-key.ts";
import { unwrapSns } from "../../src/transform/sns-envelope.ts";
import { createRejecter, createTransformer } from "../../src/transform/transform.ts";
import { CANONICAL_EVENT } from "../fixtures/sample-events.ts";
import { snsEnvelope } from "../helpers/sns.ts";

const EVENT = JSON.stringify(CANONICAL_EVENT);
const SNS_ID = "6f9619ff-8b86-4011-b42d-00c04fc964ff";

const message = (body: string, id = "sqs-1"): SourceMessage => ({
  id,
  receiptHandle: "h",
  body,
  sentTimestampMs: Date.UTC(2026, 10, 25),
  receiveCount: 1,
  receivedAt: new Date(Date.UTC(2026, 10, 25)),
});

describe("SNS envelopes", () => {
  const masker = createMasker({ mode: "hmac", keys: keyRing(parseKey(generateKeyText(), "test"), []) });
  const transform = createTransformer(masker, "major");
  const reject = createRejecter(masker);

  it("an enveloped event becomes the same row as the event sent directly, keyed in the ledger by the SNS MessageId and the event's digest", () => {
    const direct = transform(message(EVENT));
    const wrapped = transform(message(snsEnvelope(EVENT, SNS_ID)));
    assert.equal(direct.kind, "row");
    assert.equal(wrapped.kind, "row");
    assert.deepEqual(wrapped.kind === "row" && wrapped.row, direct.kind === "row" && direct.row);
    assert.equal(direct.ledgerId, "sqs-1");
    assert.equal(wrapped.ledgerId, `sns:${SNS_ID}:${masker.mask("body", EVENT)}`);
  });

  it("a forged envelope reusing a MessageId over another event has another ledger key: it can never suppress that event", () => {
    const other = JSON.stringify({ ...CANONICAL_EVENT, user_id: "5fea7756-0ea4-451a-a703-a558b933e274" });
    const genuine = transform(message(snsEnvelope(EVENT, SNS_ID), "sqs-1"));
    const forged = transform(message(snsEnvelope(other, SNS_ID), "sqs-2"));
    assert.notEqual(forged.ledgerId, genuine.ledgerId);
    assert.ok(forged.ledgerId.startsWith(`sns:${SNS_ID}:`));
    // The digest is keyed: without the key, the ledger says nothing a guess could be tested against.
    const otherKey = createMasker({ mode: "hmac", keys: keyRing(parseKey(generateKeyText(), "test"), []) });
    assert.notEqual(
      createTransformer(otherKey, "major")(message(snsEnvelope(EVENT, SNS_ID))).ledgerId,
      genuine.ledgerId,
    );
  });

  it("the same notification delivered as two SQS messages has one ledger key, whether loaded or rejected", () => {
    const first = transform(message(snsEnvelope(EVENT, SNS_ID), "sqs-1"));
    const second = transform(message(snsEnvelope(EVENT, SNS_ID), "sqs-2"));
    assert.equal(first.ledgerId, second.ledgerId);
    // A row refused later and stored as a rejection (or a minimal one) keeps that key: a redelivery stays a duplicate.
    assert.equal(
      reject(message(snsEnvelope(EVENT, SNS_ID), "sqs-3"), "sink_refused:22P05").ledgerId,
      first.ledgerId,
    );
    assert.equal(
      reject(message(snsEnvelope(EVENT, SNS_ID), "sqs-3"), "sink_refused:22P05", "minimal").ledgerId,
      first.ledgerId,
    );
  });

  it("a bad event inside an envelope is rejected for what is wrong with the event, its body masked", () => {
    const bad = JSON.stringify({ ...JSON.parse(EVENT), user_id: undefined });
    const outcome = transform(message(snsEnvelope(bad, SNS_ID)));
    assert.equal(outcome.kind, "reject");
    if (outcome.kind !== "reject") return;
    assert.equal(outcome.reject.reason, "missing_field:user_id");
    assert.equal(outcome.ledgerId, `sns:${SNS_ID}:${masker.mask("body", bad)}`);
    const stored = JSON.stringify(outcome.reject.maskedBody);
    assert.equal(outcome.reject.maskedBody?.device_type, "android");
    assert.doesNotMatch(stored, /199\.172\.111\.135|593-47-5928/);
    assert.equal(
      outcome.reject.bodyDigest,
      masker.mask("body", bad),
      "the digest of the event, not the envelope",
    );
  });

  it("only a real-looking notification is unwrapped: other shapes are validated as they are", () => {
    const notEnvelopes = [
      JSON.stringify({
        Type: "Notification",
        TopicArn: "arn:aws:sns:eu-west-1:123456789012:t",
        Message: EVENT,
      }),
      JSON.stringify({
        Type: "Notification",
        MessageId: "203.0.113.9",
        TopicArn: "arn:aws:sns:eu-west-1:123456789012:t",
        Message: EVENT,
      }),
      JSON.stringify({
        Type: "SubscriptionConfirmation",
        MessageId: SNS_ID,
        TopicArn: "arn:aws:sns:eu-west-1:123456789012:t",
        Message: EVENT,
      }),
      JSON.stringify({ Type: "Notification", MessageId: SNS_ID, TopicArn: "not an arn", Message: EVENT }),
      JSON.stringify({
        Type: "Notification",
        MessageId: SNS_ID,
        TopicArn: "arn:aws:sns:eu-west-1:123456789012:t",
        Message: { nested: 1 },
      }),
      `{"TopicArn": broken`,
    ];
    for (const body of notEnvelopes) {
      assert.deepEqual(unwrapSns(body), { body, snsMessageId: undefined }, body);
      assert.equal(transform(message(body)).kind, "reject");
    }
    // A login event that happens to carry a TopicArn field is just a login event.
    const withField = JSON.stringify({ ...JSON.parse(EVENT), TopicArn: "x" });
    assert.equal(transform(message(withField)).kind, "row");
  });
});
