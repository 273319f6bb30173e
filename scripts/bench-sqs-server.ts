// The SQS server of the benchmark, in a process of its own so that its CPU is not SecureLog's: fauxqs on
// 127.0.0.1, a free port, printed on stdout.
import { buildApp } from "fauxqs";

const app = buildApp({ logger: false });
const address = await app.listen({ port: 0, host: "127.0.0.1" });
process.stdout.write(`${address}\n`);
process.on("SIGTERM", () => {
  void app.close().then(() => process.exit(0));
});
