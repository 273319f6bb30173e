import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { convertAppVersion } from "../../src/transform/app-version.ts";

describe("convertAppVersion", () => {
  it("takes the major version by default", () => {
    const cases: [string, number][] = [
      ["2.3.0", 2],
      ["0.2.6", 0],
      ["0.96", 0],
      ["2.00", 2],
      ["2", 2],
      ["v2.3.0", 2],
      [" 10.1.2 ", 10],
      ["2.3.0-beta.1", 2],
      ["2.3.0+build.7", 2],
    ];
    for (const [raw, expected] of cases) assert.equal(convertAppVersion(raw, "major"), expected, raw);
  });

  it("packs major.minor.patch into one order-preserving integer", () => {
    assert.equal(convertAppVersion("2.3.0", "packed"), 2_003_000);
    assert.equal(convertAppVersion("0.96", "packed"), 96_000);
    assert.equal(convertAppVersion("2", "packed"), 2_000_000);
    assert.equal(convertAppVersion("1.999.999", "packed"), 1_999_999);
  });

  it("rejects what is not a version or does not fit an integer column", () => {
    for (const raw of ["", "latest", "2.x", "1.2.3.4", "..", "-1", "2.3.0 beta", "99999999999"]) {
      assert.equal(convertAppVersion(raw, "major"), undefined, raw);
    }
    assert.equal(convertAppVersion("1.1000.0", "packed"), undefined);
    assert.equal(convertAppVersion("2148.0.0", "packed"), undefined);
  });

  it("packed order matches version order", () => {
    const part = fc.integer({ min: 0, max: 999 });
    const version = fc.tuple(fc.integer({ min: 0, max: 2000 }), part, part);
    fc.assert(
      fc.property(version, version, (a, b) => {
        const pa = convertAppVersion(a.join("."), "packed") ?? Number.NaN;
        const pb = convertAppVersion(b.join("."), "packed") ?? Number.NaN;
        const cmp = a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
        return Math.sign(pa - pb) === Math.sign(cmp);
      }),
    );
  });
});
