/**
 * The lean SQS data plane against the AWS SDK: the same signatures, the same outcomes on the same queue contents,
 * and the same classification of the failures that matter (throttling, expired credentials, 403, missing queue).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { after, before, describe, it } from "node:test";
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { SignatureV4 } from "@smithy/signature-v4";
import { SecureLogError } from "../../src/errors.ts";
import { replayDeadLetters } from "../../src/source/dlq-replay.ts";
import { classifySourceError } from "../../src/source/sqs-errors.ts";
import { SqsSource, toSourceMessage } from "../../src/source/sqs-source.ts";
import { SqsWire } from "../../src/source/sqs-wire.ts";
import { runCli } from "../helpers/cli.ts";
import { startTestSqs, type TestSqs } from "../helpers/sqs.ts";

const CREDENTIALS = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};
const DATE = new Date("2026-11-25T12:34:56Z");

describe("the lean SQS wire", () => {
  let sqs: TestSqs;
  before(async () => {
    sqs = await startTestSqs();
  });
  after(async () => {
    await sqs.stop();
  });

  it("signs a request exactly as the SDK's signer does, for the same request, clock and credentials", async () => {
    const config = {
      queueUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/q",
      endpoint: undefined,
      region: "eu-west-1",
      credentials: CREDENTIALS,
    };
    const wire = new SqsWire(config, { maxSockets: 1, timeoutMs: 1000, now: () => DATE });
    const input = { QueueUrl: config.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 20 };
    const lean = await wire.signed("ReceiveMessage", input);
    // The SDK's own signer and hash, as the SDK's client configures them.
    const sdkClient = new SQSClient({ region: "eu-west-1", credentials: CREDENTIALS });
    const sdkSigner = new SignatureV4({
      service: "sqs",
      region: "eu-west-1",
      credentials: CREDENTIALS,
      sha256: sdkClient.config.sha256,
      uriEscapePath: true,
    });
    const { authorization: _a, "x-amz-date": _d, ...unsigned } = lean.headers;
    const bySdk = await sdkSigner.sign(
      {
        method: "POST",
        protocol: "https:",
        hostname: "sqs.eu-west-1.amazonaws.com",
        path: "/",
        query: {},
        headers: unsigned,
        body: lean.body,
      },
      { signingDate: DATE },
    );
    assert.equal(lean.headers.authorization, bySdk.headers.authorization);
    assert.match(
      lean.headers.authorization ?? "",
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261125\/eu-west-1\/sqs\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-target;x-amzn-query-mode, Signature=[0-9a-f]{64}$/,
    );

    // And it is the request the SDK itself sends: same target, content type, host, path and body.
    let captured:
      | { headers: Record<string, string>; body: string; path: string; hostname: string }
      | undefined;
    const capturing = new SQSClient({
      region: "eu-west-1",
      credentials: CREDENTIALS,
      requestHandler: {
        handle: async (request: {
          headers: Record<string, string>;
          body: string;
          path: string;
          hostname: string;
        }) => {
          captured = request;
          return { response: { statusCode: 200, headers: {}, body: Readable.from(["{}"]) } };
        },
      } as never,
    });
    await capturing.send(new ReceiveMessageCommand(input));
    assert.ok(captured !== undefined);
    assert.equal(captured.hostname, "sqs.eu-west-1.amazonaws.com");
    assert.equal(captured.path, "/");
    for (const header of ["content-type", "x-amz-target", "x-amzn-query-mode"]) {
      assert.equal(lean.headers[header], captured.headers[header], header);
    }
    assert.deepEqual(JSON.parse(lean.body), JSON.parse(captured.body));
    wire.close();
    sdkClient.destroy();
    capturing.destroy();
  });

  it("gives the same outcome as the SDK for the same queue contents: bodies, attributes, deletes, a missing queue", async () => {
    // (No astral characters: fauxqs refuses them in a body, though SQS accepts them.)
    const bodies = ["plain", '{"ip":"1.2.3.4"}', "ünïcödé", "x".repeat(200_000), "\t\n\r"];
    const queues = await Promise.all(["diff-sdk", "diff-lean"].map((name) => sqs.createQueue(name)));
    for (const queueUrl of queues) {
      await sqs.client.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: bodies.map((body, i) => ({
            Id: String(i),
            MessageBody: body,
            MessageAttributes: { SecureLogOriginalId: { DataType: "String", StringValue: `orig-${i}` } },
          })),
        }),
      );
    }
    const params = (queueUrl: string) => ({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 0,
      MessageSystemAttributeNames: ["SentTimestamp", "ApproximateReceiveCount"] as (
        | "SentTimestamp"
        | "ApproximateReceiveCount"
      )[],
      MessageAttributeNames: ["SecureLogOriginalId"],
    });
    const [sdkQueue = "", leanQueue = ""] = queues;
    // A receive may bring fewer than are there (fauxqs caps a response's size, as SQS does): receive until all came.
    const all = async (receive: () => Promise<Message[]>) => {
      const got: Message[] = [];
      for (let i = 0; i < 10 && got.length < bodies.length; i++) got.push(...(await receive()));
      return got;
    };
    const viaSdk = await all(
      async () => (await sqs.client.send(new ReceiveMessageCommand(params(sdkQueue)))).Messages ?? [],
    );
    const wire = new SqsWire(
      {
        queueUrl: leanQueue,
        endpoint: sqs.endpoint,
        region: "us-east-1",
        credentials: { accessKeyId: "t", secretAccessKey: "t" },
      },
      { maxSockets: 2, timeoutMs: 5000 },
    );
    const viaLean = await all(
      async () =>
        (await wire.call<{ Messages?: Message[] }>("ReceiveMessage", params(leanQueue))).Messages ?? [],
    );
    const shape = (messages: Message[]) =>
      messages
        .map((m) => {
          const converted = toSourceMessage(m, DATE, (a) => a);
          return {
            body: converted?.body,
            id: converted?.id,
            receiveCount: converted?.receiveCount,
            sent: typeof converted?.sentTimestampMs,
            md5: m.MD5OfBody,
          };
        })
        .sort((a, b) => String(a.id).localeCompare(String(b.id)));
    assert.deepEqual(shape(viaLean), shape(viaSdk));
    assert.equal(viaLean.length, bodies.length);

    const sdkDeleted = await sqs.client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: sdkQueue,
        Entries: viaSdk.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
    const leanDeleted = await wire.call<{ Successful?: unknown[]; Failed?: unknown[] }>(
      "DeleteMessageBatch",
      {
        QueueUrl: leanQueue,
        Entries: viaLean.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      },
    );
    assert.equal(leanDeleted.Successful?.length, sdkDeleted.Successful?.length);
    assert.deepEqual(await sqs.depth(leanQueue), await sqs.depth(sdkQueue));

    const missing = `${sqs.endpoint}/000000000000/no-such-queue`;
    const sdkError = await sqs.client
      .send(new ReceiveMessageCommand(params(missing)))
      .catch((e: unknown) => e);
    const leanError = await wire.call("ReceiveMessage", params(missing)).catch((e: unknown) => e);
    assert.equal(classifySourceError(leanError), "queue_missing");
    assert.equal(classifySourceError(leanError), classifySourceError(sdkError));
    wire.close();
  });

  it("replay moves a message with its producer's attributes, binary ones byte for byte, as the SDK reads them", async () => {
    const dlq = await sqs.createQueue("wire-replay-dlq");
    const main = await sqs.createQueue("wire-replay-main");
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    await sqs.client.send(
      new SendMessageBatchCommand({
        QueueUrl: dlq,
        Entries: [
          {
            Id: "0",
            MessageBody: '{"user_id":"u-1"}',
            MessageAttributes: {
              trace: { DataType: "String", StringValue: "t-42" },
              blob: { DataType: "Binary", BinaryValue: bytes },
            },
          },
        ],
      }),
    );
    const replay = await runCli(["replay", "--from-dlq", dlq, "--queue-url", main, "--mask", "sha256"], {
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
    });
    assert.equal(replay.code, 0, replay.stderr);
    const received = await sqs.client.send(
      new ReceiveMessageCommand({ QueueUrl: main, MessageAttributeNames: ["All"], WaitTimeSeconds: 0 }),
    );
    const [moved] = received.Messages ?? [];
    assert.equal(moved?.Body, '{"user_id":"u-1"}');
    assert.equal(moved?.MessageAttributes?.trace?.StringValue, "t-42");
    assert.deepEqual([...(moved?.MessageAttributes?.blob?.BinaryValue ?? [])], [...bytes]);
    assert.equal(await sqs.countReceivable(dlq), 0);
  });
});

/** SecureLog's own source on a stand-in's endpoint, short-polling. */
function sourceFor(endpoint: string): SqsSource {
  return new SqsSource(
    {
      queueUrl: `${endpoint}/1/q`,
      endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "a", secretAccessKey: "s" },
    },
    { waitTimeSeconds: 0, visibilityTimeoutSeconds: undefined, maxSockets: 1 },
  );
}

/** An SQS stand-in that answers each call with the next scripted response, recording what it was sent. */
async function scripted(responses: { status: number; body: object; headers?: Record<string, string> }[]) {
  const seen: { authorization: string; target: string }[] = [];
  const server = http.createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      seen.push({
        authorization: String(request.headers.authorization),
        target: String(request.headers["x-amz-target"]),
      });
      const next = responses.shift() ?? { status: 200, body: {} };
      response.writeHead(next.status, { "content-type": "application/x-amz-json-1.0", ...next.headers });
      response.end(JSON.stringify(next.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { endpoint, seen, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe("the lean SQS wire under failures", () => {
  const wireFor = (
    endpoint: string,
    credentials?: () => Promise<{ accessKeyId: string; secretAccessKey: string }>,
    now?: () => Date,
  ) =>
    new SqsWire(
      {
        queueUrl: `${endpoint}/1/q`,
        endpoint,
        region: "us-east-1",
        credentials: { accessKeyId: "a", secretAccessKey: "s" },
      },
      {
        maxSockets: 2,
        timeoutMs: 5000,
        ...(credentials === undefined ? {} : { credentials }),
        ...(now === undefined ? {} : { now }),
      },
    );

  it("replay sends on no dead-lettered body that does not match its MD5, and deletes nothing", async () => {
    const body = '{"ip":"10.9.8.7"}';
    const wrong = createHash("md5").update(`${body} `).digest("hex");
    const server = await scripted([
      {
        status: 200,
        body: { Messages: [{ MessageId: "m1", ReceiptHandle: "h1", Body: body, MD5OfBody: wrong }] },
      },
    ]);
    const wire = wireFor(server.endpoint);
    const failed = await replayDeadLetters(wire, {
      dlqUrl: `${server.endpoint}/1/dlq`,
      queueUrl: `${server.endpoint}/1/q`,
      keys: undefined,
      onError: (error) => (error instanceof Error ? error : new Error(String(error))),
    }).catch((e: unknown) => e);
    assert.ok(failed instanceof Error && /MD5/.test(failed.message), String(failed));
    assert.ok(!failed.message.includes("10.9.8.7"));
    assert.deepEqual(
      server.seen.map((call) => call.target),
      ["AmazonSQS.ReceiveMessage"],
    );
    wire.close();
    await server.close();
  });

  it("retries throttling and 5xx with backoff, and succeeds", async () => {
    const server = await scripted([
      { status: 400, body: { __type: "com.amazonaws.sqs#ThrottlingException", message: "slow down" } },
      { status: 503, body: { __type: "com.amazonaws.sqs#ServiceUnavailable" } },
      { status: 200, body: { Messages: [] } },
    ]);
    const wire = wireFor(server.endpoint);
    assert.deepEqual(await wire.call("ReceiveMessage", {}), { Messages: [] });
    assert.equal(server.seen.length, 3);
    wire.close();
    await server.close();
  });

  it("leaves retrying to the caller where the caller owns it: a pipeline receive and delete are tried once", async () => {
    const server = await scripted([
      { status: 503, body: { __type: "com.amazonaws.sqs#ServiceUnavailable" } },
      { status: 503, body: { __type: "com.amazonaws.sqs#ServiceUnavailable" } },
    ]);
    const source = sourceFor(server.endpoint);
    const failed = await source.receive(new AbortController().signal).catch((e: unknown) => e);
    assert.ok(failed instanceof SecureLogError && failed.disposition === "retry", String(failed));
    const message = { id: "m", body: "{}", receiptHandle: "h", sentTimestampMs: undefined, receiveCount: 1 };
    const deleteFailed = await source
      .delete([{ ...message, receivedAt: new Date() }])
      .catch((e: unknown) => e);
    assert.ok(
      deleteFailed instanceof SecureLogError && deleteFailed.disposition === "retry",
      String(deleteFailed),
    );
    assert.deepEqual(
      server.seen.map((call) => call.target),
      ["AmazonSQS.ReceiveMessage", "AmazonSQS.DeleteMessageBatch"],
      "one request each: the Receiver and Acknowledgements retry, within --max-retry-time",
    );
    source.close();
    await server.close();
  });

  it("refreshes expired credentials once and signs the retry with the new ones", async () => {
    const server = await scripted([
      {
        status: 400,
        body: {
          __type: "com.amazonaws.sqs#ExpiredToken",
          message: "The security token included in the request is expired",
        },
      },
      { status: 200, body: {} },
    ]);
    let calls = 0;
    const refreshed: boolean[] = [];
    const wire = wireFor(server.endpoint, async (options?: { forceRefresh?: boolean }) => {
      refreshed.push(options?.forceRefresh === true);
      calls++;
      return { accessKeyId: options?.forceRefresh === true ? "NEWKEY" : "OLDKEY", secretAccessKey: "s" };
    });
    await wire.call("DeleteMessageBatch", {});
    assert.match(server.seen[0]?.authorization ?? "", /Credential=OLDKEY\//);
    assert.match(server.seen[1]?.authorization ?? "", /Credential=NEWKEY\//);
    assert.ok(refreshed.includes(true), "a forced refresh was asked for");
    assert.ok(calls >= 2);
    wire.close();
    await server.close();
  });

  it("reuses a receive's signature within its second only, and not after SQS said the credentials expired", async (t) => {
    const server = await scripted([
      { status: 200, body: {} },
      { status: 200, body: {} },
      { status: 200, body: {} },
      { status: 400, body: { __type: "com.amazonaws.sqs#ExpiredToken", message: "expired" } },
    ]);
    let clock = DATE;
    let signings = 0;
    const wire = wireFor(
      server.endpoint,
      async (options?: { forceRefresh?: boolean }) => {
        signings++;
        return { accessKeyId: options?.forceRefresh === true ? "NEWKEY" : "OLDKEY", secretAccessKey: "s" };
      },
      () => clock,
    );
    t.after(async () => {
      wire.close();
      await server.close();
    });
    const receive = { QueueUrl: `${server.endpoint}/1/q`, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 };
    await wire.call("ReceiveMessage", receive);
    clock = new Date(DATE.getTime() + 999);
    await wire.call("ReceiveMessage", receive);
    assert.equal(signings, 1, "the second receive, in the same second, is not signed again");
    assert.equal(server.seen[1]?.authorization, server.seen[0]?.authorization);
    // The same request with another body is another signature.
    await wire.call("ReceiveMessage", { ...receive, MaxNumberOfMessages: 5 });
    assert.equal(signings, 2);
    // SQS says the token expired: the retry is signed with refreshed credentials, and so is every later receive.
    await wire.call("ReceiveMessage", receive);
    assert.match(server.seen[3]?.authorization ?? "", /Credential=OLDKEY\//);
    assert.match(server.seen[4]?.authorization ?? "", /Credential=NEWKEY\//);
    await wire.call("ReceiveMessage", receive);
    assert.equal(server.seen[5]?.authorization, server.seen[4]?.authorization);
    // The next second: signed anew, with a new date.
    const before = signings;
    clock = new Date(DATE.getTime() + 1000);
    await wire.call("ReceiveMessage", receive);
    assert.equal(signings, before + 1);
    assert.notEqual(server.seen[6]?.authorization, server.seen[5]?.authorization);
    // A delete carries receipt handles: never reused, even when a retry sends the same body in the same second.
    await wire.call("DeleteMessageBatch", { QueueUrl: receive.QueueUrl, Entries: [] });
    await wire.call("DeleteMessageBatch", { QueueUrl: receive.QueueUrl, Entries: [] });
    assert.equal(signings, before + 3);
  });

  it("does not keep a signature whose second ended while it was being made", async () => {
    let clock = DATE;
    let release: () => void = () => undefined;
    let slowFirst = true;
    const wire = wireFor(
      "http://127.0.0.1:1",
      async () => {
        if (slowFirst) {
          slowFirst = false;
          await new Promise<void>((resolve) => {
            release = resolve;
          });
        }
        return { accessKeyId: "KEY", secretAccessKey: "s" };
      },
      () => clock,
    );
    const receive = { QueueUrl: "http://127.0.0.1:1/1/q", MaxNumberOfMessages: 10 };
    const late = wire.signed("ReceiveMessage", receive); // made in DATE's second, still waiting for credentials
    clock = new Date(DATE.getTime() + 1000);
    const next = await wire.signed("ReceiveMessage", receive);
    release();
    assert.notEqual((await late).headers["x-amz-date"], next.headers["x-amz-date"]);
    const again = await wire.signed("ReceiveMessage", receive);
    assert.equal(
      again.headers["x-amz-date"],
      next.headers["x-amz-date"],
      "the next second's signature is kept",
    );
    wire.close();
  });

  it("does not retry a 403, and classifies it as refused credentials; a missing queue as missing", async () => {
    const server = await scripted([
      {
        status: 403,
        body: { __type: "com.amazon.coral.service#AccessDeniedException", message: "not authorized" },
        headers: { "x-amzn-query-error": "AccessDenied;Sender" },
      },
      {
        status: 400,
        body: {
          __type: "com.amazonaws.sqs#QueueDoesNotExist",
          message: "The specified queue does not exist.",
        },
        headers: { "x-amzn-query-error": "AWS.SimpleQueueService.NonExistentQueue;Sender" },
      },
    ]);
    const wire = wireFor(server.endpoint);
    const denied = await wire.call("ReceiveMessage", {}).catch((e: unknown) => e);
    assert.equal(server.seen.length, 1, "a 403 is not retried");
    assert.equal(classifySourceError(denied), "access");
    const missing = await wire.call("ReceiveMessage", {}).catch((e: unknown) => e);
    assert.equal(classifySourceError(missing), "queue_missing");
    wire.close();
    await server.close();
  });

  it("fails a receive whose body does not match its MD5 (retried, no body in the error) and passes one that does", async (t) => {
    const body = '{"ip":"10.9.8.7","device_id":"593-47-5928"}';
    const md5 = createHash("md5").update(body).digest("hex");
    const message = (MD5OfBody: string) => ({
      Messages: [{ MessageId: "m1", ReceiptHandle: "h1", Body: body, MD5OfBody }],
    });
    const server = await scripted([
      { status: 200, body: message(md5.replace(/^./, (c) => (c === "0" ? "1" : "0"))) },
      { status: 200, body: message(md5) },
    ]);
    const source = sourceFor(server.endpoint);
    t.after(async () => {
      source.close();
      await server.close();
    });
    const signal = new AbortController().signal;
    const tampered = await source.receive(signal).catch((e: unknown) => e);
    assert.ok(tampered instanceof SecureLogError, String(tampered));
    assert.equal(tampered.disposition, "retry");
    assert.match(tampered.message, /MD5/);
    assert.ok(!tampered.message.includes("10.9.8.7") && !tampered.message.includes("593-47-5928"));
    const intact = await source.receive(signal);
    assert.deepEqual(
      intact.map((m) => [m.id, m.body]),
      [["m1", body]],
    );
  });
});
