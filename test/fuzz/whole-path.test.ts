import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres.ts";
import { hostileMessage } from "./hostile.ts";
import { type WholePath, wholePath } from "./whole-path.ts";

/** CI's share of the fuzzing, per masking mode: as many cases as fit (`npm run fuzz` runs long, seeded). */
const TIME_LIMIT_MS = { hmac: 25_000, encrypt: 10_000 } as const;

for (const mode of ["hmac", "encrypt"] as const) {
  describe(`fuzz (--mask ${mode}): hostile messages through the whole path, into PostgreSQL`, () => {
    let db: TestDatabase;
    let path: WholePath;
    let failed = false;
    before(async () => {
      db = await createTestDatabase();
      path = await wholePath(db.url, mode);
    });
    after(async () => {
      await path?.close();
      await db?.drop(failed);
    });

    it("never throws, never stops, one committed outcome per message, no raw ip or device id stored", async () => {
      try {
        await fc.assert(
          fc.asyncProperty(
            fc.array(hostileMessage, { minLength: 1, maxLength: 12 }),
            fc.integer({ min: 1, max: 12 }),
            (messages, batchSize) => path.check(messages, batchSize),
          ),
          { numRuns: 10_000, plugins: [fc.interruptAfterTimeLimit(TIME_LIMIT_MS[mode])] },
        );
        await path.checkNoLeak();
      } catch (error) {
        failed = true;
        throw error;
      }
      const { runs, messages, loaded, rejected } = path.totals;
      const rejectedCount = [...rejected.values()].reduce((a, b) => a + b, 0);
      process.stdout.write(
        `# fuzz ${mode}: ${runs} batches, ${messages} messages (${loaded} loaded, ${rejectedCount} rejected in ${rejected.size} reasons)\n`,
      );
    });
  });
}
