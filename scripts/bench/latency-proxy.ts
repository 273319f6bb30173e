// A TCP proxy on 127.0.0.1 that delays every chunk by a fixed time in each direction: a consumer outside the
// queue's region, on loopback only. `npm run bench` runs its latency figures through it (10 ms each way).
import net from "node:net";

export async function startLatencyProxy(
  targetPort: number,
  oneWayMs: number,
): Promise<{ port: number; close(): void }> {
  const sockets = new Set<net.Socket>();
  const delayed = (from: net.Socket, to: net.Socket) =>
    from.on("data", (chunk: Buffer) => {
      setTimeout(() => {
        if (!to.destroyed) to.write(chunk);
      }, oneWayMs);
    });
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, "127.0.0.1");
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.setNoDelay(true);
      socket.on("error", () => undefined);
      socket.on("close", () => sockets.delete(socket));
    }
    delayed(client, upstream);
    delayed(upstream, client);
    client.on("close", () => setTimeout(() => upstream.destroy(), oneWayMs));
    upstream.on("close", () => setTimeout(() => client.destroy(), oneWayMs));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return {
    port: typeof address === "object" && address !== null ? address.port : 0,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}
