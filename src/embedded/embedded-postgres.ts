import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

export interface EmbeddedPostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  readonly databaseUrl: string;
  stop(): Promise<void>;
}

/**
 * PGlite (PostgreSQL compiled to WebAssembly) with its data in `dataDir`, served over the PostgreSQL wire
 * protocol on 127.0.0.1, so SecureLog talks to it with the same `pg` driver and SQL as to a real server.
 * PGlite runs one query at a time; the socket server keeps each connection's transaction together.
 */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = await PGlite.create({ dataDir });
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 8 });
  await server.start();
  const databaseUrl = `postgres://postgres@${server.getServerConn()}/postgres`;
  return {
    databaseUrl,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
