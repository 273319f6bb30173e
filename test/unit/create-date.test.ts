import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createDate } from "../../src/transform/create-date.ts";

describe("createDate", () => {
  const loadedLater = new Date("2026-03-05T10:00:00Z");

  it("is the UTC date the message was sent, not the date it is loaded", () => {
    assert.equal(createDate(Date.parse("2026-03-01T23:59:59.999Z"), loadedLater), "2026-03-01");
    assert.equal(createDate(Date.parse("2026-03-02T00:00:00.000Z"), loadedLater), "2026-03-02");
  });

  it("falls back to the receive time when SentTimestamp is missing or unusable", () => {
    assert.equal(createDate(undefined, loadedLater), "2026-03-05");
    assert.equal(createDate(Number.NaN, loadedLater), "2026-03-05");
    assert.equal(createDate(0, loadedLater), "2026-03-05");
  });
});
