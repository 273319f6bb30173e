import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadDatabaseUrl } from "../../src/config/database.ts";
import type { OptionSpec } from "../../src/config/option-spec.ts";
import { DEFAULT_DATABASE_URL, DEFAULT_QUEUE_URL } from "../../src/config/options.ts";
import { loadRunConfig } from "../../src/config/run-config.ts";
import { settingsOf } from "../../src/config/settings.ts";
import { loadSqsConfig } from "../../src/config/sqs.ts";
import { ConfigError } from "../../src/errors.ts";
import { generateKeyText, parseKey } from "../../src/transform/mask-key.ts";

const KEY = generateKeyText();

function configError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ConfigError, String(error));
    assert.equal(error.exitCode, 2);
    assert.match(error.message, pattern);
    return true;
  });
}

describe("run configuration", () => {
  it("defaults to the classic local stack with dummy credentials", () => {
    const config = loadRunConfig({}, { SECURELOG_KEY: KEY });
    assert.equal(config.sqs.queueUrl, DEFAULT_QUEUE_URL);
    assert.equal(config.sqs.endpoint, "http://localhost:4566");
    assert.equal(config.sqs.region, "us-east-1");
    assert.deepEqual(config.sqs.credentials, { accessKeyId: "test", secretAccessKey: "test" });
    assert.equal(config.mask.mode, "hmac");
    assert.equal(config.appVersion, "major");
    assert.equal(config.concurrency, 8);
    assert.equal(config.waitTimeSeconds, 20);
    assert.ok(Object.isFrozen(config));
  });

  it("takes a flag over the environment over the default", () => {
    const env = {
      SECURELOG_KEY: KEY,
      SQS_QUEUE_URL: "http://127.0.0.1:9324/1/env-queue",
      SECURELOG_CONCURRENCY: "3",
    };
    assert.equal(loadRunConfig({}, env).sqs.queueUrl, "http://127.0.0.1:9324/1/env-queue");
    assert.equal(loadRunConfig({}, env).concurrency, 3);
    assert.equal(loadRunConfig({ concurrency: "7" }, env).concurrency, 7);
    assert.equal(loadRunConfig({ "until-empty": true }, env).waitTimeSeconds, 0);
  });

  it("uses AWS endpoints, the region in the URL and the SDK credential chain for a real queue", () => {
    const sqs = loadSqsConfig(
      { "queue-url": "https://sqs.eu-west-1.amazonaws.com/123456789012/login-queue" },
      {},
    );
    assert.equal(sqs.endpoint, undefined);
    assert.equal(sqs.region, "eu-west-1");
    assert.equal(sqs.credentials, undefined);
  });

  it("accepts LocalStack's path-style queue URL, reading the region from its path", () => {
    const sqs = loadSqsConfig(
      { "queue-url": "http://localhost:4566/queue/eu-central-1/000000000000/login-queue" },
      {},
    );
    assert.equal(sqs.endpoint, "http://localhost:4566");
    assert.equal(sqs.region, "eu-central-1");
    assert.throws(
      () => loadSqsConfig({ "queue-url": "http://localhost:4566/other/eu-central-1/000000000000/q" }, {}),
      /queue\/<region>\/<account-id>\/<queue-name>/,
    );
  });

  it("prefers AWS_ENDPOINT_URL_SQS and leaves configured credentials to the SDK", () => {
    const sqs = loadSqsConfig(
      {},
      {
        AWS_ENDPOINT_URL_SQS: "http://localhost:4999",
        AWS_ENDPOINT_URL: "http://localhost:1",
        AWS_ACCESS_KEY_ID: "AKIA",
      },
    );
    assert.equal(sqs.endpoint, "http://localhost:4999");
    assert.equal(sqs.credentials, undefined);
  });

  it("refuses bad URLs and numbers with a message naming the option", () => {
    configError(() => loadSqsConfig({ "queue-url": "not a url" }, {}), /--queue-url is not a valid URL/);
    configError(
      () => loadSqsConfig({ "queue-url": "http://localhost:4566/login-queue" }, {}),
      /must look like/,
    );
    configError(
      () => loadRunConfig({ "database-url": "mysql://x" }, { SECURELOG_KEY: KEY }),
      /postgres:\/\//,
    );
    configError(
      () => loadRunConfig({}, { SECURELOG_KEY: KEY, SECURELOG_CONCURRENCY: "many" }),
      /SECURELOG_CONCURRENCY/,
    );
    configError(
      () => loadRunConfig({ "wait-time": "21" }, { SECURELOG_KEY: KEY }),
      /--wait-time must be a whole number from 0 to 20/,
    );
    configError(
      () => loadRunConfig({ mask: "md5" }, { SECURELOG_KEY: KEY }),
      /--mask must be one of hmac, encrypt, sha256/,
    );
  });

  it("refuses a visibility timeout too short to hold a message while it loads (0 livelocks)", () => {
    for (const value of ["0", "1"]) {
      configError(
        () => loadRunConfig({ "visibility-timeout": value }, { SECURELOG_KEY: KEY }),
        /--visibility-timeout must be a whole number from 2 to 43200/,
      );
    }
    assert.equal(
      loadRunConfig({ "visibility-timeout": "2" }, { SECURELOG_KEY: KEY }).visibilityTimeoutSeconds,
      2,
    );
  });

  it("bounds in-flight message bodies by size, 32 MiB unless told otherwise", () => {
    assert.equal(loadRunConfig({}, { SECURELOG_KEY: KEY }).maxInFlightMb, 32);
    assert.equal(loadRunConfig({}, { SECURELOG_KEY: KEY, SECURELOG_MAX_IN_FLIGHT_MB: "8" }).maxInFlightMb, 8);
    configError(
      () => loadRunConfig({ "max-in-flight-mb": "0" }, { SECURELOG_KEY: KEY }),
      /--max-in-flight-mb must be a whole number from 1 to 1024/,
    );
  });

  it("refuses a password with an unencoded / (or #, ?) instead of showing part of it as the database", () => {
    for (const url of [
      "postgres://etl:12/ab9@db.internal:5432/analytics",
      "postgres://etl:p/ss@db/x",
      "postgres://etl:12#ab@db/x",
    ]) {
      configError(
        () => loadRunConfig({ "database-url": url }, { SECURELOG_KEY: KEY }),
        /must be percent-encoded \(\/ as %2F/,
      );
      assert.throws(
        () => loadRunConfig({ "database-url": url }, { SECURELOG_KEY: KEY }),
        (error: Error) => !/ab9|p\/ss|12#ab|ss@/.test(error.message),
      );
    }
    assert.equal(
      loadRunConfig({ "database-url": "postgres://etl:12%2Fab@db/x" }, { SECURELOG_KEY: KEY }).databaseUrl,
      "postgres://etl:12%2Fab@db/x",
    );
  });

  it("never echoes a database password in an error", () => {
    configError(
      () => loadRunConfig({ "database-url": "postgres://u:s3cret@" }, { SECURELOG_KEY: KEY }),
      /^(?!.*s3cret)/,
    );
  });

  it("refuses to start without a key and says how to make one", () => {
    configError(() => loadRunConfig({}, {}), /securelog keygen/);
    assert.equal(loadRunConfig({ mask: "sha256" }, {}).mask.mode, "sha256");
  });

  it("loads previous keys after the current one, from the key file or SECURELOG_PREVIOUS_KEYS", () => {
    const [older, oldest] = [generateKeyText(), generateKeyText()];
    const dir = mkdtempSync(join(tmpdir(), "securelog-keys-"));
    const file = join(dir, "keys");
    writeFileSync(file, `${KEY}\n# rotated out in March\n${older}\n`, { mode: 0o600 });
    const config = loadRunConfig({ "key-file": file, mask: "encrypt" }, { SECURELOG_PREVIOUS_KEYS: oldest });
    assert.equal(config.mask.mode, "encrypt");
    assert.deepEqual(
      config.mask.mode === "encrypt" && config.mask.keys.all.map((k) => k.id),
      [KEY, older, oldest].map((k) => parseKey(k, "k").id),
    );
  });

  it("takes a key list in SECURELOG_KEY exactly as in a key file: every key, the current one first", () => {
    const [older, oldest] = [generateKeyText(), generateKeyText()];
    const config = loadRunConfig({}, { SECURELOG_KEY: `${KEY},${older} ${oldest}` });
    assert.deepEqual(
      config.mask.mode === "hmac" && config.mask.keys.all.map((k) => k.id),
      [KEY, older, oldest].map((k) => parseKey(k, "k").id),
    );
  });

  it("reads a key file only when it is private to its owner", () => {
    const dir = mkdtempSync(join(tmpdir(), "securelog-key-"));
    const file = join(dir, "key");
    writeFileSync(file, `${KEY}\n`, { mode: 0o600 });
    const config = loadRunConfig({ "key-file": file }, {});
    assert.equal(config.mask.mode === "hmac" && config.mask.keys.current.id, parseKey(KEY, "test").id);
    chmodSync(file, 0o644);
    configError(() => loadRunConfig({ "key-file": file }, {}), /readable by group or others.*chmod 600/);
    configError(
      () => loadRunConfig({ "key-file": join(dir, "missing") }, {}),
      /cannot read the key file.*ENOENT/,
    );
  });
});

describe("endpoint derived from an emulator's queue URL", () => {
  it("resolves *.localhost names to localhost (RFC 6761)", () => {
    const sqs = loadSqsConfig(
      { "queue-url": "http://sqs.us-east-1.localhost:4566/000000000000/login-queue" },
      {},
    );
    assert.equal(sqs.endpoint, "http://localhost:4566");
    assert.ok(sqs.credentials !== undefined);
  });
});

describe("libpq's PG* variables", () => {
  it("make the URL when no --database-url or DATABASE_URL is given, with libpq's defaults for the rest", () => {
    assert.equal(
      loadDatabaseUrl({}, { PGHOST: "db.internal", PGPORT: "6432", PGUSER: "etl", PGDATABASE: "analytics" }),
      "postgres://etl@db.internal:6432/analytics",
    );
    // libpq names the database after the user when PGDATABASE is unset.
    assert.equal(loadDatabaseUrl({}, { PGUSER: "etl" }), "postgres://etl@localhost:5432/etl");
    assert.equal(loadDatabaseUrl({}, { PGHOST: "::1" }), "postgres://postgres@[::1]:5432/postgres");
    assert.equal(
      loadDatabaseUrl({}, { PGHOST: "/var/run/postgresql", PGUSER: "etl", PGDATABASE: "a b" }),
      "postgres:///a%20b?host=%2Fvar%2Frun%2Fpostgresql&user=etl",
    );
  });

  it("never carry PGPASSWORD into the URL (node-postgres reads it, or ~/.pgpass, itself)", () => {
    const url = loadDatabaseUrl({}, { PGHOST: "db", PGPASSWORD: "s3cret" });
    assert.doesNotMatch(url, /s3cret/);
  });

  it("give way to DATABASE_URL and --database-url; without any, the documented default", () => {
    const env = { PGHOST: "db.internal", DATABASE_URL: "postgres://a@b:5432/c" };
    assert.equal(loadDatabaseUrl({}, env), "postgres://a@b:5432/c");
    assert.equal(loadDatabaseUrl({ "database-url": "postgres://x@y:5432/z" }, env), "postgres://x@y:5432/z");
    assert.equal(loadDatabaseUrl({}, {}), DEFAULT_DATABASE_URL);
  });
});

describe("settingsOf: every command's settings, read as its option table declares them", () => {
  const options = {
    json: { type: "boolean", description: "JSON." },
    top: { type: "string", integer: { min: 1, max: 100, default: 10 }, description: "Top." },
    days: { type: "string", env: ["TEST_DAYS"], integer: { min: 0, max: 99 }, description: "Days." },
    level: { type: "string", choices: ["low", "high"], default: "low", description: "Level." },
    name: { type: "string", description: "Name." },
  } as const satisfies Record<string, OptionSpec>;

  it("gives each option its declared default, and flags over environment over default", () => {
    assert.deepEqual(settingsOf(options, {}, {}), {
      json: false,
      top: 10,
      days: undefined,
      level: "low",
      name: undefined,
    });
    const read = settingsOf(options, { json: true, top: "3", level: "high", name: "n" }, { TEST_DAYS: "7" });
    assert.deepEqual(read, { json: true, top: 3, days: 7, level: "high", name: "n" });
    assert.equal(settingsOf(options, { days: "2" }, { TEST_DAYS: "7" }).days, 2);
  });

  it("refuses a number out of bounds or a value not among the choices, naming where it came from", () => {
    assert.throws(() => settingsOf(options, { top: "0" }, {}), /--top must be a whole number from 1 to 100/);
    assert.throws(
      () => settingsOf(options, {}, { TEST_DAYS: "1e3" }),
      /--days \/ TEST_DAYS must be a whole number/,
    );
    assert.throws(
      () => settingsOf(options, { level: "mid" }, {}),
      /--level must be one of low, high \(got "mid"\)/,
    );
  });
});
