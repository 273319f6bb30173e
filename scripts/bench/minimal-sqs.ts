// The benchmark's minimal SQS client: the JSON protocol over node:http keep-alive, SigV4 written out with
// node:crypto (signing key cached per day), nothing else. Not SecureLog's code path: it exists to measure what
// the queue itself delivers (contender (a) of `npm run bench`).
import { createHash, createHmac } from "node:crypto";
import http from "node:http";

export interface Received {
  readonly MessageId: string;
  readonly ReceiptHandle: string;
  readonly Body: string;
}

export class MinimalSqs {
  readonly #endpoint: URL;
  readonly #agent: http.Agent;
  readonly #queueUrl: string;
  #day = "";
  #signingKey: Buffer = Buffer.alloc(0);

  constructor(endpoint: string, queueUrl: string, sockets: number) {
    this.#endpoint = new URL(endpoint);
    this.#queueUrl = queueUrl;
    this.#agent = new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  }

  #sign(target: string, body: string): Record<string, string> {
    const now = new Date().toISOString().replace(/[-:]|\.\d{3}/g, "");
    const day = now.slice(0, 8);
    if (day !== this.#day) {
      const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();
      this.#signingKey = hmac(hmac(hmac(hmac("AWS4bench", day), "us-east-1"), "sqs"), "aws4_request");
      this.#day = day;
    }
    const headers: Record<string, string> = {
      "content-type": "application/x-amz-json-1.0",
      host: this.#endpoint.host,
      "x-amz-date": now,
      "x-amz-target": `AmazonSQS.${target}`,
    };
    const names = Object.keys(headers).join(";");
    const canonical = `POST\n/\n\n${Object.entries(headers)
      .map(([k, v]) => `${k}:${v}\n`)
      .join("")}\n${names}\n${createHash("sha256").update(body).digest("hex")}`;
    const scope = `${day}/us-east-1/sqs/aws4_request`;
    const toSign = `AWS4-HMAC-SHA256\n${now}\n${scope}\n${createHash("sha256").update(canonical).digest("hex")}`;
    const signature = createHmac("sha256", this.#signingKey).update(toSign).digest("hex");
    return {
      ...headers,
      authorization: `AWS4-HMAC-SHA256 Credential=bench/${scope}, SignedHeaders=${names}, Signature=${signature}`,
    };
  }

  #call<T>(target: string, input: Record<string, unknown>): Promise<T> {
    const body = JSON.stringify({ QueueUrl: this.#queueUrl, ...input });
    return new Promise((resolve, reject) => {
      const request = http.request(
        this.#endpoint,
        { method: "POST", agent: this.#agent, headers: this.#sign(target, body) },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () => {
            const text = Buffer.concat(chunks).toString();
            if ((response.statusCode ?? 500) >= 300)
              reject(new Error(`${target}: ${response.statusCode} ${text}`));
            else resolve(JSON.parse(text) as T);
          });
        },
      );
      request.on("error", reject);
      request.end(body);
    });
  }

  async receive(): Promise<Received[]> {
    const result = await this.#call<{ Messages?: Received[] }>("ReceiveMessage", {
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 0,
    });
    return result.Messages ?? [];
  }

  async deleteBatch(messages: readonly Received[]): Promise<void> {
    await this.#call("DeleteMessageBatch", {
      Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}
