import { randomUUID } from "node:crypto";

/** The event wrapped as SNS delivers it to an SQS subscription without raw message delivery. */
export function snsEnvelope(event: string, messageId: string = randomUUID()): string {
  return JSON.stringify({
    Type: "Notification",
    MessageId: messageId,
    TopicArn: "arn:aws:sns:eu-west-1:123456789012:login-events",
    Message: event,
    Timestamp: "2026-11-25T12:00:00.000Z",
    SignatureVersion: "1",
    Signature:
      "EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N858fiTDN6bkkOxYDVrY0Ad8L10Hs3zH81mtnPk5uvvolIC1CXGu43obcgFxeL3khZl8IKvO61GWB6jI9b5+gLPoBc1Q=",
    SigningCertURL:
      "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem",
    UnsubscribeURL:
      "https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:eu-west-1:123456789012:login-events:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55",
  });
}
