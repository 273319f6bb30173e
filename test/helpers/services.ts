import { after, afterEach, before } from "node:test";
import { createTestDatabase, type TestDatabase } from "./postgres.ts";
import { startTestSqs, type TestSqs } from "./sqs.ts";

export interface Services {
  readonly db: TestDatabase;
  readonly sqs: TestSqs;
}

/**
 * A throwaway database and an SQS server for the enclosing describe(), started before its tests and stopped
 * after them. The database is dropped unless one of the tests failed; then it is kept, and named with the tests
 * that failed, for inspection.
 */
export function useServices(): Services {
  let db: TestDatabase | undefined;
  let sqs: TestSqs | undefined;
  const failed: string[] = [];
  before(async () => {
    db = await createTestDatabase();
    sqs = await startTestSqs();
  });
  afterEach((t) => {
    // TestContext.passed exists since Node 21.7; @types/node declares it on SuiteContext only.
    if ((t as { readonly passed?: boolean }).passed !== true) failed.push(t.name);
  });
  after(async () => {
    await sqs?.stop();
    await db?.drop(failed.length > 0, failed.join("; "));
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("services are used before the suite started them");
    return value;
  };
  return {
    get db() {
      return started(db);
    },
    get sqs() {
      return started(sqs);
    },
  };
}
