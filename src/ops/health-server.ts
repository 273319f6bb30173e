import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import { type ReadinessCheck, settle } from "./readiness.ts";

export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * /metrics (Prometheus text), /healthz (the process is alive and serving), /readyz (SQS and PostgreSQL both
 * answer now; 503 with the failing names otherwise, so Kubernetes stops routing and KEDA sees it).
 */
export async function startHealthServer(
  host: string,
  port: number,
  registry: Registry,
  checks: readonly ReadinessCheck[],
): Promise<HealthServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (path === "/metrics") {
      registry.metrics().then(
        (text) => response.writeHead(200, { "content-type": registry.contentType }).end(text),
        () => response.writeHead(500).end("metrics failed\n"),
      );
    } else if (path === "/healthz") {
      response.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    } else if (path === "/readyz") {
      void settle(checks).then((results) => {
        const ready = results.every(([, ok]) => ok);
        const body = Object.fromEntries(results.map(([name, ok]) => [name, ok ? "ok" : "unreachable"]));
        response
          .writeHead(ready ? 200 : 503, { "content-type": "application/json" })
          .end(`${JSON.stringify(body)}\n`);
      });
    } else {
      response.writeHead(404).end("not found: try /metrics, /healthz or /readyz\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
