import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { RETRYABLE_NETWORK_CODES } from "../../src/network-errors.ts";
import { classifySinkError } from "../../src/sink/pg-errors.ts";
import { classifySourceError } from "../../src/source/sqs-errors.ts";

describe("retryable network errors", () => {
  it("are one list: SQS and PostgreSQL retry every code in it", () => {
    for (const code of RETRYABLE_NETWORK_CODES) {
      const error = Object.assign(new Error(`connect ${code}`), { code });
      assert.equal(classifySinkError(error), "retry", `PostgreSQL: ${code}`);
      assert.equal(classifySourceError(error), "retry", `SQS: ${code}`);
    }
  });

  it("no client keeps a list of its own (three copies had drifted to 6, 9 and 9 codes)", () => {
    for (const file of ["source/sqs-wire.ts", "source/sqs-errors.ts", "sink/pg-errors.ts"]) {
      const text = readFileSync(new URL(`../../src/${file}`, import.meta.url), "utf8");
      // A mapping may name a code or two (undici's UND_ERR_SOCKET becomes ECONNRESET); a list names many.
      const named = new Set(text.match(/"E(CONN|HOST|NET|AI_|PIPE|TIMEDOUT|NOTFOUND)[A-Z_]*"/g));
      assert.ok(named.size <= 2, `${file} lists ${[...named].join(", ")}`);
    }
  });
});
