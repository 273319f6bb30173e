import { ConfigError } from "../errors.ts";
import { DEFAULT_QUEUE_URL } from "./options.ts";
import { describeSource, type Env, type Flags, raw } from "./settings.ts";

export interface SqsConfig {
  readonly queueUrl: string;
  readonly endpoint: string | undefined;
  readonly region: string;
  /** Present only for a local endpoint without configured credentials; otherwise the SDK's chain decides. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined;
}

/** `label` names where the value came from (`--queue-url / SQS_QUEUE_URL`, `--from-dlq`). */
function httpUrl(label: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${label} is not a valid URL (got "${value}")`, "bad_url");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(`${label} must be an http:// or https:// URL (got "${value}")`, "bad_url");
  }
  return url;
}

const LOCAL_HOSTS = new Set(["localhost", "localstack", "host.docker.internal", "[::1]", "0.0.0.0"]);

/** A local emulator (LocalStack, fauxqs) accepts any credentials; real AWS never is "local". */
export function isLocalEndpoint(url: URL): boolean {
  const host = url.hostname;
  return LOCAL_HOSTS.has(host) || host.endsWith(".localhost") || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The endpoint implied by a non-AWS queue URL. Emulators name queues `sqs.<region>.localhost:<port>`; RFC 6761
 * makes every `*.localhost` name loopback, but the system resolver may not know that, so ask `localhost`.
 */
function localOrigin(queueUrl: URL): URL {
  const origin = new URL(queueUrl.origin);
  if (origin.hostname.endsWith(".localhost")) origin.hostname = "localhost";
  return origin;
}

function isAwsHost(url: URL): boolean {
  return url.hostname.endsWith(".amazonaws.com") || url.hostname.endsWith(".amazonaws.com.cn");
}

/**
 * SQS settings for the queue of --queue-url, or for another queue given as `queue` (replay's --from-dlq): its
 * errors then name that option, not --queue-url.
 */
export function loadSqsConfig(
  flags: Flags,
  env: Env,
  queue?: { readonly url: string; readonly option: string },
): SqsConfig {
  const queueUrlText = queue?.url ?? raw("queue-url", flags, env) ?? DEFAULT_QUEUE_URL;
  const queueLabel = queue === undefined ? describeSource("queue-url", flags) : `--${queue.option}`;
  const queueUrl = httpUrl(queueLabel, queueUrlText);
  const segments = queueUrl.pathname.split("/").filter((s) => s !== "");
  // LocalStack also names queues path-style: http://localhost:4566/queue/<region>/<account-id>/<queue-name>.
  const pathStyle = segments.length === 4 && segments[0] === "queue" && !isAwsHost(queueUrl);
  if (segments.length !== 2 && !pathStyle) {
    throw new ConfigError(
      `${queueLabel} must look like https://sqs.<region>.amazonaws.com/<account-id>/<queue-name> (or, for LocalStack, http://localhost:4566/queue/<region>/<account-id>/<queue-name>) (got "${queueUrlText}")`,
      "bad_url",
    );
  }
  const endpointText = raw("endpoint", flags, env);
  const endpoint =
    endpointText !== undefined
      ? httpUrl(describeSource("endpoint", flags), endpointText)
      : isAwsHost(queueUrl)
        ? undefined
        : localOrigin(queueUrl);
  const regionFromHost = /^sqs\.([a-z0-9-]+)\.amazonaws\.com/.exec(queueUrl.hostname)?.[1];
  const regionFromPath = pathStyle ? segments[1] : undefined;
  const region = raw("region", flags, env) ?? regionFromHost ?? regionFromPath ?? "us-east-1";
  if (!/^[a-z0-9-]+$/.test(region)) {
    throw new ConfigError(`${describeSource("region", flags)} is not a valid AWS region (got "${region}")`);
  }
  const hasCredentials =
    env.AWS_ACCESS_KEY_ID !== undefined ||
    env.AWS_PROFILE !== undefined ||
    env.AWS_WEB_IDENTITY_TOKEN_FILE !== undefined;
  const credentials =
    endpoint !== undefined && isLocalEndpoint(endpoint) && !hasCredentials
      ? { accessKeyId: "test", secretAccessKey: "test" }
      : undefined;
  return Object.freeze({
    queueUrl: queueUrl.href,
    endpoint: endpoint === undefined ? undefined : endpoint.origin,
    region,
    credentials,
  });
}
