// The shapes of the SQS JSON protocol that SecureLog reads and writes: the subset of the AWS SDK's types its calls
// use, as they travel (binary attribute values are base64 text on this protocol, passed through untouched; the SDK's own Message,
// which tests hand over, holds bytes there and fits too).

export interface MessageAttributeValue {
  readonly DataType?: string | undefined;
  readonly StringValue?: string | undefined;
  readonly BinaryValue?: string | Uint8Array | undefined;
  readonly StringListValues?: readonly string[] | undefined;
  readonly BinaryListValues?: readonly (string | Uint8Array)[] | undefined;
}

export interface Message {
  readonly MessageId?: string | undefined;
  readonly ReceiptHandle?: string | undefined;
  readonly MD5OfBody?: string | undefined;
  readonly Body?: string | undefined;
  readonly Attributes?: Readonly<Record<string, string>> | undefined;
  readonly MessageAttributes?: Readonly<Record<string, MessageAttributeValue>> | undefined;
}

/** What SendMessageBatch, DeleteMessageBatch and ChangeMessageVisibilityBatch answer: entries by the Id sent. */
export interface BatchResult {
  readonly Successful?: readonly { readonly Id?: string }[] | undefined;
  readonly Failed?: readonly { readonly Id?: string }[] | undefined;
}
