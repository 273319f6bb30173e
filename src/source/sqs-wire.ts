import { fromNodeProviderChain } from "@aws-sdk/credential-providers";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { Pool } from "undici";
import { backoffMs, sleep } from "../backoff.ts";
import type { SqsConfig } from "../config/sqs.ts";
import { connectionError, retryable, SqsCallError, toError } from "./sqs-errors.ts";
import { NodeSha256 } from "./sqs-signing.ts";

/**
 * Every SQS call SecureLog makes, over the JSON protocol, without the AWS SDK's per-call machinery: middleware,
 * serde, endpoint rules and a new signing key object on every call cost several times a minimal client's CPU
 * (docs/benchmarks.md), and SecureLog makes two calls per ten messages. What stays is what the calls need: one
 * keep-alive pool, the maintained SigV4 signer (reused, so its signing-key cache works), the SDK's own credential
 * chain (environment, profiles, SSO, web identity, ECS, EC2 metadata; refreshed before expiry), retries of
 * throttling, 5xx and connection failures with jittered backoff where the caller does not retry (see call()),
 * and errors shaped like the SDK's (name, code, $metadata.httpStatusCode) so sqs-errors.ts classifies them alike.
 */

const EXPIRED_TYPES = new Set(["ExpiredToken", "ExpiredTokenException", "RequestExpired"]);
/** Tries of a call whose caller does not retry it (start-up checks, queue attributes, visibility changes). */
const ATTEMPTS = 3;

/** Actions whose requests repeat byte for byte; deletes and visibility changes carry receipt handles. */
const REPEATED_ACTIONS = new Set(["ReceiveMessage", "GetQueueAttributes"]);

export interface CallOptions {
  readonly signal?: AbortSignal;
  /** 1 where the caller owns retrying (see call()). */
  readonly attempts?: number;
}

/**
 * The SDK's chain, one for the process: `run` signs over two wires (receives; deletes on connections of their
 * own), and each asking a chain of its own fetched and refreshed the same credentials twice (an STS or metadata
 * call each). The chain takes no argument from the wire's configuration, so one serves every wire.
 */
let sharedChain: ReturnType<typeof fromNodeProviderChain> | undefined;

function defaultChain(): ReturnType<typeof fromNodeProviderChain> {
  sharedChain ??= fromNodeProviderChain();
  return sharedChain;
}

export interface SqsWireOptions {
  /** Sockets kept open to SQS. */
  readonly maxSockets: number;
  /** Longest a call may take before its connection is taken for dead (a long poll legitimately takes its wait). */
  readonly timeoutMs: number;
  /** For tests: the signer's clock. */
  readonly now?: () => Date;
  /** For tests: a credential provider instead of the SDK's chain (it is given `{ forceRefresh }`). */
  readonly credentials?: (options?: { forceRefresh?: boolean }) => Promise<AwsCredentialIdentity>;
}

export interface WireRequest {
  readonly target: string;
  readonly body: string;
  readonly headers: Record<string, string>;
}

export class SqsWire {
  readonly #endpoint: URL;
  readonly #pool: Pool;
  readonly #signer: SignatureV4;
  readonly #credentials: AwsCredentialIdentityProvider &
    ((options?: { forceRefresh?: boolean }) => Promise<AwsCredentialIdentity>);
  readonly #options: SqsWireOptions;
  #refresh = false;
  /**
   * Signatures of the identical requests a poller repeats (the same ReceiveMessage, again and again), for the
   * second they were made in. SigV4 signs the request, the second and the credentials and nothing else, so the
   * signer would make the same headers again; a loaded poller asks hundreds of times a second, and signing each
   * one showed in `npm run bench` as CPU per message (docs/benchmarks.md). Replaced by an empty one every second, and when
   * SQS said the credentials expired.
   */
  #reusable = new Map<string, Record<string, string>>();
  #reusableSecond = 0;

  constructor(config: SqsConfig, options: SqsWireOptions) {
    this.#options = options;
    this.#endpoint = new URL(config.endpoint ?? `https://sqs.${config.region}.amazonaws.com`);
    // undici: less CPU per call than node:http (docs/benchmarks.md). Keep-alive, one request per socket.
    this.#pool = new Pool(this.#endpoint.origin, {
      connections: options.maxSockets,
      pipelining: 1,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      keepAliveTimeout: 30_000,
    });
    const configured = config.credentials;
    this.#credentials =
      options.credentials ?? (configured === undefined ? defaultChain() : async () => ({ ...configured }));
    this.#signer = new SignatureV4({
      service: "sqs",
      region: config.region,
      // After SQS said the token expired, the next signature asks the chain for fresh credentials.
      credentials: () => {
        const force = this.#refresh;
        this.#refresh = false;
        return this.#credentials(force ? { forceRefresh: true } : undefined);
      },
      sha256: NodeSha256,
      uriEscapePath: true,
    });
  }

  /** The signed request for an action, exactly as it would be sent (for the signing test and the benchmark). */
  async signed(action: string, input: unknown): Promise<WireRequest> {
    const body = JSON.stringify(input);
    const date = this.#options.now?.() ?? new Date();
    const second = Math.floor(date.getTime() / 1000);
    if (second !== this.#reusableSecond) {
      this.#forgetSignatures();
      this.#reusableSecond = second;
    }
    // The set this signature belongs to: one that is replaced while the signing is under way (the second ended,
    // the credentials expired) is not refilled with it.
    const reusable = REPEATED_ACTIONS.has(action) ? this.#reusable : undefined;
    const key = reusable === undefined ? "" : `${action}\n${body}`;
    const reused = reusable?.get(key);
    if (reused !== undefined) return { target: action, body, headers: reused };
    const request = {
      method: "POST",
      protocol: this.#endpoint.protocol,
      hostname: this.#endpoint.hostname,
      ...(this.#endpoint.port === "" ? {} : { port: Number(this.#endpoint.port) }),
      path: "/",
      query: {},
      headers: {
        host: this.#endpoint.host,
        "content-type": "application/x-amz-json-1.0",
        "x-amz-target": `AmazonSQS.${action}`,
        "x-amzn-query-mode": "true",
      } as Record<string, string>,
      body,
    };
    const signed = await this.#signer.sign(request, { signingDate: date });
    const headers = signed.headers as Record<string, string>;
    reusable?.set(key, headers);
    return { target: action, body, headers };
  }

  #forgetSignatures(): void {
    this.#reusable = new Map();
  }

  /**
   * One SQS action; expired credentials are refreshed once. Retried on throttling, 5xx and dropped connections
   * up to `attempts` times: once only (attempts 1) where the caller retries over a longer window itself (the
   * pipeline's receives and deletes), so that one layer owns retrying each call.
   */
  async call<T>(action: string, input: unknown, options: CallOptions = {}): Promise<T> {
    const { signal, attempts = ATTEMPTS } = options;
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.#send(await this.signed(action, input), signal)) as T;
      } catch (error) {
        if (signal?.aborted === true) throw error;
        if (error instanceof SqsCallError && EXPIRED_TYPES.has(error.name) && !refreshed) {
          refreshed = true;
          this.#refresh = true;
          this.#forgetSignatures();
          continue;
        }
        if (attempt >= attempts || !retryable(error)) throw error;
        await sleep(backoffMs(attempt, 100, 2000));
      }
    }
  }

  async #send(request: WireRequest, signal: AbortSignal | undefined): Promise<unknown> {
    let status: number;
    let text: string;
    let queryError: string | string[] | undefined;
    try {
      const response = await this.#pool.request({
        path: "/",
        method: "POST",
        headers: request.headers,
        body: request.body,
        ...(signal === undefined ? {} : { signal }),
      });
      status = response.statusCode;
      queryError = response.headers["x-amzn-query-error"];
      text = await response.body.text();
    } catch (error) {
      throw connectionError(error);
    }
    let parsed: unknown;
    try {
      parsed = text === "" ? {} : JSON.parse(text);
    } catch {
      throw new SqsCallError("InvalidResponse", undefined, `SQS answered ${status} with no JSON`, status);
    }
    if (status >= 200 && status < 300) return parsed;
    throw toError(parsed, queryError, status);
  }

  close(): void {
    void this.#pool.destroy();
  }
}
