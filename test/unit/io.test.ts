import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import { readAll } from "../../src/cli/io.ts";

describe("reading standard input", () => {
  it("keeps a UTF-8 character that arrives split across two chunks", async () => {
    const text = "enc:abcd:é€😀\n";
    const bytes = Buffer.from(text);
    // Cut inside the 4-byte emoji, and inside the 3-byte euro sign: a pipe delivers whatever it has.
    const chunks = [bytes.subarray(0, 11), bytes.subarray(11, 15), bytes.subarray(15)];
    assert.equal(await readAll(Readable.from(chunks)), text);
  });
});
