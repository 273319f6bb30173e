import http from "node:http";
import net from "node:net";

/** A TCP proxy on 127.0.0.1 that a test can cut (refuse and drop every connection) and restore. */
export interface CuttableProxy {
  readonly port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startProxy(targetHost: string, targetPort: number): Promise<CuttableProxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        const address = server.address();
        resolve(typeof address === "object" && address !== null ? address.port : port);
      });
    });
  const port = await listen(0);
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });
  return {
    port,
    cut: stop,
    async restore() {
      await listen(port);
    },
    close: stop,
  };
}

/** A cuttable proxy in front of a PostgreSQL database, and the connection string that goes through it. */
export async function startDatabaseProxy(
  databaseUrl: string,
): Promise<CuttableProxy & { readonly url: string }> {
  const target = new URL(databaseUrl);
  const proxy = await startProxy(target.hostname, Number(target.port || 5432));
  const url = new URL(databaseUrl);
  url.host = `127.0.0.1:${proxy.port}`;
  return { ...proxy, url: url.href };
}

/** An HTTP proxy in front of an SQS server that can drop the calls of chosen actions (X-Amz-Target). */
export interface SqsActionProxy {
  readonly endpoint: string;
  /** Calls whose action is in this set have their connection reset instead of being forwarded. */
  readonly dropping: Set<string>;
  /** Calls seen, by action (dropped ones included). */
  readonly calls: Map<string, number>;
  /**
   * The next `count` calls of `action` reach SQS, which acts on them, but their responses are lost (the connection
   * is reset instead): a receive's messages are then hidden although nobody holds them.
   */
  loseResponses(action: string, count: number): void;
  close(): Promise<void>;
}

export async function startSqsActionProxy(targetEndpoint: string): Promise<SqsActionProxy> {
  const target = new URL(targetEndpoint);
  const dropping = new Set<string>();
  const calls = new Map<string, number>();
  const losing = new Map<string, number>();
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((request, response) => {
    const action = String(request.headers["x-amz-target"] ?? "").replace(/^AmazonSQS\./, "");
    calls.set(action, (calls.get(action) ?? 0) + 1);
    if (dropping.has(action)) {
      request.socket.destroy();
      return;
    }
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: request.method,
        path: request.url,
        headers: request.headers,
        agent,
      },
      (reply) => {
        const lose = losing.get(action) ?? 0;
        if (lose > 0) {
          losing.set(action, lose - 1);
          reply.resume();
          reply.on("end", () => request.socket.destroy());
          return;
        }
        response.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(response);
      },
    );
    upstream.on("error", () => response.destroy());
    request.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    dropping,
    calls,
    loseResponses: (action, count) => losing.set(action, count),
    close: () =>
      new Promise((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
