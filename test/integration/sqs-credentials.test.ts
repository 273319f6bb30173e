/**
 * The SDK's credential chain behind the lean wire, against a real credential endpoint: the container endpoint
 * (AWS_CONTAINER_CREDENTIALS_FULL_URI, as on ECS and EKS) served on loopback by the test. Its own file, because
 * it sets the process's AWS environment.
 */
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { SqsWire } from "../../src/source/sqs-wire.ts";

describe("credentials from the SDK's chain", () => {
  let requests = 0;
  const server = http.createServer((_request, response) => {
    requests++;
    response.setHeader("content-type", "application/json");
    response.end(
      JSON.stringify({
        AccessKeyId: "ASIACONTAINEREXAMPLE",
        SecretAccessKey: "container-secret",
        Token: "container-token",
        Expiration: new Date(Date.now() + 3_600_000).toISOString(),
      }),
    );
  });
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    for (const name of Object.keys(process.env)) if (name.startsWith("AWS_")) delete process.env[name];
    const nowhere = join("/nonexistent", String(process.pid));
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(nowhere, "credentials");
    process.env.AWS_CONFIG_FILE = join(nowhere, "config");
    process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = `http://127.0.0.1:${(server.address() as AddressInfo).port}/creds`;
  });
  after(() => server.close());

  it("are fetched once for the whole process, however many wires (receives, deletes) sign with them", async () => {
    const config = {
      queueUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/login-queue",
      endpoint: undefined,
      region: "eu-west-1",
      credentials: undefined,
    };
    const receives = new SqsWire(config, { maxSockets: 1, timeoutMs: 1000 });
    const deletes = new SqsWire(config, { maxSockets: 1, timeoutMs: 1000 });
    try {
      for (const wire of [receives, deletes]) {
        const { headers } = await wire.signed("GetQueueAttributes", { QueueUrl: config.queueUrl });
        assert.match(headers.authorization ?? "", /Credential=ASIACONTAINEREXAMPLE\//);
        assert.equal(headers["x-amz-security-token"], "container-token");
      }
      assert.equal(requests, 1);
    } finally {
      receives.close();
      deletes.close();
    }
  });
});
