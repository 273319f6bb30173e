/**
 * SNS-to-SQS fan-out without raw message delivery wraps every event in an SNS notification envelope
 * (`{"Type":"Notification","MessageId":…,"TopicArn":…,"Message":"<the event as a JSON string>",…}`). SecureLog
 * loads the event inside. SNS delivers at least once, so one notification can reach the queue twice as two SQS
 * messages with different SQS MessageIds: the envelope's MessageId keys the idempotency ledger instead
 * (`sns:<MessageId>`), which also records it for tracing (securelog_processed, and message_id of a rejection).
 * The envelope's signature is not verified (that needs the signing certificate from the internet); a producer
 * that can write to the queue could send any event anyway.
 */
export interface Unwrapped {
  /** The event: the envelope's Message, or the whole body when it is not an envelope. */
  readonly body: string;
  /** `sns:<MessageId>` for an envelope; undefined keeps the SQS MessageId as the ledger key. */
  readonly ledgerId: string | undefined;
}

// SNS MessageIds are UUIDs; anything else in that place is not taken as one (it would be stored in clear).
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

export function unwrapSns(body: string): Unwrapped {
  // Cheap test first: a login event never names a TopicArn.
  if (!body.includes('"TopicArn"')) return { body, ledgerId: undefined };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { body, ledgerId: undefined };
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    return { body, ledgerId: undefined };
  const { Type, MessageId, TopicArn, Message } = parsed as Record<string, unknown>;
  if (
    Type !== "Notification" ||
    typeof Message !== "string" ||
    typeof MessageId !== "string" ||
    !UUID.test(MessageId) ||
    typeof TopicArn !== "string" ||
    !TOPIC_ARN.test(TopicArn)
  )
    return { body, ledgerId: undefined };
  return { body: Message, ledgerId: `sns:${MessageId.toLowerCase()}` };
}
