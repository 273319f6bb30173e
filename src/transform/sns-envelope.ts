/**
 * SNS-to-SQS fan-out without raw message delivery wraps every event in an SNS notification envelope
 * (`{"Type":"Notification","MessageId":…,"TopicArn":…,"Message":"<the event as a JSON string>",…}`). SecureLog
 * loads the event inside. SNS delivers at least once, so one notification can reach the queue twice as two SQS
 * messages with different SQS MessageIds: the envelope's MessageId keys the idempotency ledger instead.
 *
 * The envelope's signature is not verified (that needs the signing certificate from the internet), so any producer
 * can write one, with any MessageId. That is why the ledger key is `sns:<MessageId>:<keyed digest of Message>`
 * (transform.ts) and never the MessageId alone: a notification delivered twice carries the same Message and loads
 * once, while a forged envelope reusing a MessageId over another event is a different key and loads as itself.
 * Nothing a producer writes can make a different event a "duplicate". Unwrapping therefore stays automatic: a
 * forged envelope can only deliver an event, which the producer could have sent directly anyway.
 */
export interface Unwrapped {
  /** The event: the envelope's Message, or the whole body when it is not an envelope. */
  readonly body: string;
  /** The envelope's MessageId (lower case) when the body is an envelope; undefined otherwise. */
  readonly snsMessageId: string | undefined;
}

// SNS MessageIds are UUIDs; anything else in that place is not taken as one (it would be stored in clear).
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

export function unwrapSns(body: string): Unwrapped {
  // Cheap test first: a login event never names a TopicArn.
  if (!body.includes('"TopicArn"')) return { body, snsMessageId: undefined };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { body, snsMessageId: undefined };
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    return { body, snsMessageId: undefined };
  const { Type, MessageId, TopicArn, Message } = parsed as Record<string, unknown>;
  if (
    Type !== "Notification" ||
    typeof Message !== "string" ||
    typeof MessageId !== "string" ||
    !UUID.test(MessageId) ||
    typeof TopicArn !== "string" ||
    !TOPIC_ARN.test(TopicArn)
  )
    return { body, snsMessageId: undefined };
  return { body: Message, snsMessageId: MessageId.toLowerCase() };
}
