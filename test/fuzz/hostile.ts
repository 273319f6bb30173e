/**
 * Hostile SQS messages, as a producer that is buggy or malicious can send them: arbitrary Unicode (lone
 * surrogates and astral characters included) at every field limit, duplicate and escaped keys, deep nesting,
 * huge numbers, personal data as key names, SNS-like envelopes, bodies that are not JSON at all, and forged,
 * oversize or garbage message attributes. Every raw ip and device id comes from a recognisable pool, so a
 * leak can be found by its shape (LEAK_PATTERN) in anything SecureLog stored.
 */
import type { Message } from "@aws-sdk/client-sqs";
import fc from "fast-check";
import { ORIGINAL_ID_ATTRIBUTE, signOriginalId } from "../../src/source/replay-id.ts";
import type { MaskKey } from "../../src/transform/mask-key.ts";

/** Raw personal data the generator uses, by shape: 10.77.x.y, fd77:abcd::…, PII-123456-DEV. */
export const LEAK_PATTERN = /10\.77\.\d{1,3}\.\d{1,3}|fd77:abcd:|PII-\d{6}-DEV/i;

const octet = fc.integer({ min: 0, max: 255 });
const ipv4 = fc.tuple(octet, octet).map(([a, b]) => `10.77.${a}.${b}`);
const ipv6 = fc.integer({ min: 0, max: 0xffff }).map((n) => `fd77:abcd::${n.toString(16)}`);
const piiIp = fc.oneof(
  ipv4,
  ipv6,
  ipv4.map((ip) => `::ffff:${ip}`),
  ipv6.map((ip) => `${ip.toUpperCase()}%Eth0`),
  ipv4.map((ip) => ` ${ip}\t`),
);
const piiDevice = fc.integer({ min: 0, max: 999_999 }).map((n) => `PII-${String(n).padStart(6, "0")}-DEV`);
const pii = fc.oneof(piiIp, piiDevice);

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));
const astral = fc.constantFrom("😀", "𝔘", "🏳️‍🌈", "\u{10FFFF}");
const oddChar = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: loneSurrogate },
  { weight: 2, arbitrary: astral },
  { weight: 1, arbitrary: fc.constantFrom("\u0000", "\u001b[2J", "\u202e", '"', "\\", "\n") },
);
/** Text of any kind, often right at a column's limit (32, 128, 160, 256 characters) or just over it. */
const hostileText = fc.oneof(
  fc.string({ unit: oddChar, maxLength: 40 }),
  fc
    .tuple(fc.constantFrom(31, 32, 33, 127, 128, 129, 159, 160, 161, 255, 256, 257), oddChar)
    .map(([n, c]) => c.repeat(n)),
  fc.constantFrom("", " ", "\t"),
);

/**
 * A JSON value's source text: anything from a plain string to 20,000 levels of nesting. Personal data only
 * `withPii`: user_id, device_type, locale and app_version are stored in clear by design, so the generator puts
 * no ip or device id there (a producer that does has published it itself).
 */
const jsonValue = (withPii: boolean): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 4, arbitrary: hostileText.map((s) => JSON.stringify(s)) },
    { weight: withPii ? 2 : 0, arbitrary: pii.map((s) => JSON.stringify(s)) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        "null",
        "true",
        "0",
        "-0",
        "1e308",
        "1e400",
        "-1e400",
        "123456789012345678901234567890",
        "2.9999999999999999",
        "1.10",
        "[]",
        "{}",
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(1, 31, 32, 33, 500, 20_000)
        .map((depth) => `${"[".repeat(depth)}${"]".repeat(depth)}`),
    },
    { weight: withPii ? 1 : 0, arbitrary: pii.map((s) => `{"${s}": [${JSON.stringify(s)}]}`) },
  );

const FIELDS = ["user_id", "device_type", "ip", "device_id", "locale", "app_version"] as const;
const validValue: Record<(typeof FIELDS)[number], fc.Arbitrary<string>> = {
  user_id: fc.uuid(),
  device_type: fc.constantFrom("android", "ios", "web"),
  ip: piiIp,
  device_id: piiDevice,
  locale: fc.constantFrom("RU", "DE", "", "en-GB"),
  app_version: fc.constantFrom("2.3.0", "0.96", "2.00", "v1.2.3-beta+7", "3"),
};

/** Unknown keys: personal data as a name, or any text; and the two PII fields spelled with escapes. */
const unknownKey = fc.oneof(
  pii.map((s) => JSON.stringify(s)),
  hostileText.map((s) => JSON.stringify(s)),
  fc.constantFrom('"user_id\\u0000"', '"IP"'),
);
const piiKey = fc.constantFrom('"ip"', '"device_id"', '"\\u0069p"', '"device\\u005fid"');

/** One field: a known one with a valid value (so that many messages load), or anything at all. */
const field = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .constantFrom(...FIELDS)
      .chain((name) => validValue[name].map((v) => `${JSON.stringify(name)}: ${JSON.stringify(v)}`)),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...FIELDS), jsonValue(false))
      .map(([k, v]) => `${JSON.stringify(k)}: ${v}`),
  },
  { weight: 1, arbitrary: fc.tuple(piiKey, jsonValue(true)).map(([k, v]) => `${k}: ${v}`) },
  { weight: 2, arbitrary: fc.tuple(unknownKey, jsonValue(true)).map(([k, v]) => `${k}: ${v}`) },
);

const objectBody = fc.array(field, { minLength: 0, maxLength: 12 }).map((fields) => `{${fields.join(", ")}}`);

const eventRecord = fc.record({
  user_id: validValue.user_id,
  device_type: validValue.device_type,
  ip: validValue.ip,
  device_id: validValue.device_id,
  locale: fc.option(validValue.locale),
  app_version: validValue.app_version,
});

/** A complete, valid event, sometimes with one more field (which may repeat a known one). */
const eventBody = eventRecord.chain((event) =>
  fc.option(field).map((extra) => {
    const text = JSON.stringify(event);
    return extra === null ? text : `${text.slice(0, -1)}, ${extra}}`;
  }),
);

/** A complete event with one known field's value replaced by anything (personal data only in ip and device_id). */
const eventWithHostileField = fc.tuple(eventRecord, fc.constantFrom(...FIELDS)).chain(([event, name]) =>
  jsonValue(name === "ip" || name === "device_id").map((value) => {
    const fields = Object.entries(event)
      .filter(([k]) => k !== name)
      .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`);
    return `{${[...fields, `${JSON.stringify(name)}: ${value}`].join(", ")}}`;
  }),
);

/** The values whole-path.ts erases before fuzzing starts; they must never be stored again, in any position. */
export const ERASED = { ip: "10.77.0.1", device_id: "PII-000001-DEV" } as const;

/** An erased value in a spelling people recognise as it (recognisable.ts). */
const erasedSpelling = fc.oneof(
  fc.constantFrom(
    ERASED.ip,
    "10.77.0.01",
    "010.077.000.001",
    "10.77.0.1:8080",
    "[10.77.0.1]",
    "10.77.0.1\u200b",
    "\ufeff10.77.0.1",
    "::ffff:10.77.0.1",
    " 10.77.0.1\t",
  ),
  fc.constantFrom(ERASED.device_id, "PII-000001-DEV\u200b", " PII-000001-DEV ", "PII-000001\u2060-DEV"),
);

/** An event, valid or not, carrying an erased value in any position: ip, device_id, another field, a key, nested. */
const erasedEverywhere = fc
  .tuple(
    eventRecord,
    erasedSpelling,
    fc.constantFrom("ip", "device_id", "note", "key", "nested", "array"),
    fc.boolean(),
  )
  .map(([event, value, where, rejected]) => {
    // Half of them rejected (a locale that is no text), so that their bodies are candidates for storing.
    const body: Record<string, unknown> = { ...event, ...(rejected ? { locale: 7 } : {}) };
    if (where === "ip" || where === "device_id" || where === "note") body[where] = value;
    else if (where === "key") body[value] = 1;
    else if (where === "nested") body.extra = { a: [1, { b: value }] };
    else body.list = ["x", value];
    return JSON.stringify(body);
  });

/** The one SNS MessageId every forged envelope carries. */
export const FORGED_SNS_ID = "11111111-2222-3333-4444-555555555555";

export const hostileBody: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: eventBody },
  { weight: 5, arbitrary: eventWithHostileField },
  { weight: 2, arbitrary: objectBody },
  {
    weight: 1,
    arbitrary: eventBody.map((event) =>
      JSON.stringify({ Type: "Notification", MessageId: "sns-1", TopicArn: "arn:aws:sns:x", Message: event }),
    ),
  },
  {
    // Genuine-looking envelopes that all reuse one MessageId over different events: a forger's, never duplicates.
    weight: 2,
    arbitrary: fc.oneof(eventBody, eventWithHostileField).map((event) =>
      JSON.stringify({
        Type: "Notification",
        MessageId: FORGED_SNS_ID,
        TopicArn: "arn:aws:sns:us-east-1:123456789012:t",
        Message: event,
      }),
    ),
  },
  { weight: 2, arbitrary: erasedEverywhere },
  // Wide as well as deep: a rejected event with 200,000 items (400 KB) in one array, now and then (each is slow).
  {
    weight: 1,
    arbitrary: fc.tuple(eventRecord, fc.integer({ min: 0, max: 3 })).map(([event, n]) =>
      JSON.stringify({
        ...event,
        locale: 7,
        list: n === 0 ? new Array(200_000).fill(1) : [1, "10.77.0.1"],
      }),
    ),
  },
  { weight: 1, arbitrary: jsonValue(true) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 60 }) },
  { weight: 1, arbitrary: eventBody.map((text) => text.slice(0, Math.max(1, text.length - 3))) },
);

export type AttributeKind = "none" | "garbage" | "forged-shared" | "oversize" | "signed" | "copied";

export interface HostileMessage {
  readonly body: string;
  readonly attribute: AttributeKind;
  readonly garbage: string;
  readonly sentTimestamp: string | undefined;
  readonly receiveCount: string | undefined;
}

export const hostileMessage: fc.Arbitrary<HostileMessage> = fc.record({
  body: hostileBody,
  attribute: fc.constantFrom<AttributeKind>(
    "none",
    "none",
    "garbage",
    "forged-shared",
    "oversize",
    "signed",
    "copied",
  ),
  garbage: fc.string({ unit: "binary", maxLength: 300 }),
  sentTimestamp: fc.option(fc.constantFrom("1764000000000", "0", "-5", "1e20", "abc", "8.64e15"), {
    nil: undefined,
  }),
  receiveCount: fc.option(fc.constantFrom("1", "0", "99999999999", "x", "-3"), { nil: undefined }),
});

/**
 * What SQS would hand SecureLog for these messages: unique MessageIds (as SQS guarantees), attributes as the
 * producer (or replay, for "signed") set them.
 */
export function asSqsMessages(messages: readonly HostileMessage[], runTag: string, key: MaskKey): Message[] {
  return messages.map((m, i) => {
    const id = `${runTag}-${i}`;
    const attribute = {
      none: undefined,
      garbage: m.garbage,
      "forged-shared": `shared-by-all:${key.id}:AAAAAAAAAAAAAAAAAAAAAA`,
      oversize: "x".repeat(4000),
      signed: signOriginalId(key, `${id}-original`, m.body),
      // A valid signature, for another body, copied onto every message that has this kind.
      copied: signOriginalId(key, "copied-original", '{"user_id":"copied"}'),
    }[m.attribute];
    return {
      MessageId: id,
      ReceiptHandle: `rh-${id}`,
      Body: m.body,
      Attributes: {
        ...(m.sentTimestamp === undefined ? {} : { SentTimestamp: m.sentTimestamp }),
        ...(m.receiveCount === undefined ? {} : { ApproximateReceiveCount: m.receiveCount }),
      },
      ...(attribute === undefined
        ? {}
        : { MessageAttributes: { [ORIGINAL_ID_ATTRIBUTE]: { DataType: "String", StringValue: attribute } } }),
    };
  });
}
