import { after, before } from "node:test";
import { createTestDatabase, type TestDatabase } from "./postgres.ts";
import { startTestSqs, type TestSqs } from "./sqs.ts";

export interface Services {
  readonly db: TestDatabase;
  readonly sqs: TestSqs;
  /** Call at the end of each test; the database is kept for inspection unless every test called it. */
  passed(): void;
}

/**
 * A throwaway database and an SQS server for the enclosing describe(), started before its tests and stopped
 * after them. `expectedTests` is how many tests must call passed() for the database to be dropped.
 */
export function useServices(expectedTests: number): Services {
  let db: TestDatabase | undefined;
  let sqs: TestSqs | undefined;
  let passed = 0;
  before(async () => {
    db = await createTestDatabase();
    sqs = await startTestSqs();
  });
  after(async () => {
    await sqs?.stop();
    await db?.drop(passed < expectedTests);
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
    passed: () => {
      passed++;
    },
  };
}
