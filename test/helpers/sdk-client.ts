import { SQSClient } from "@aws-sdk/client-sqs";
import type { SqsConfig } from "../../src/config/sqs.ts";

/**
 * The AWS SDK's client, the reference the tests and benchmarks measure SecureLog's lean wire (src/source/sqs-wire.ts)
 * against; SecureLog itself never loads it.
 */
export function createSqsClient(config: SqsConfig, options: { maxSockets: number; waitTimeSeconds: number }) {
  return new SQSClient({
    region: config.region,
    ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
    ...(config.credentials === undefined ? {} : { credentials: config.credentials }),
    maxAttempts: 3,
    requestHandler: {
      connectionTimeout: 5_000,
      // A long poll legitimately takes waitTimeSeconds; anything much longer is a dead connection.
      requestTimeout: (options.waitTimeSeconds + 10) * 1000,
      httpAgent: { keepAlive: true, maxSockets: options.maxSockets },
      httpsAgent: { keepAlive: true, maxSockets: options.maxSockets },
    },
  });
}
