/**
 * Issue #11's acceptance: erasure that cannot silently miss, a register that survives restores and rotations,
 * erased values that stay erased, and one masking configuration per table.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { createMasker } from "../../src/transform/mask.ts";
import { generateKeyText, keyFromBytes, keyRing, parseKey } from "../../src/transform/mask-key.ts";
import { ENCRYPTED_IN_TEXT, reveal } from "../../src/transform/reveal.ts";
import { runCli, startCli, until } from "../helpers/cli.ts";
import { loginEvent } from "../helpers/memory.ts";
import {
  createTestDatabase,
  itWithDatabase,
  pgDump,
  pgRestore,
  type TestDatabase,
} from "../helpers/postgres.ts";
import { useTestSqs } from "../helpers/sqs.ts";

const V = "203.0.113.77";
const DEVICE = "777-77-7777";
const DRAIN = ["run", "--until-empty", "--wait-time", "1"];

const testSqs = useTestSqs();

async function queueOf(bodies: readonly string[]): Promise<string> {
  const queueUrl = await testSqs().createQueue(`erasure-${randomBytes(4).toString("hex")}`);
  await testSqs().send(queueUrl, bodies);
  return queueUrl;
}

/** Some events carrying V (two spellings, and one rejection), some carrying DEVICE, and others. */
function mix(n: number): string[] {
  return [
    ...Array.from({ length: n }, (_, i) =>
      loginEvent({ ip: `198.51.100.${i % 250}`, device_id: `100-00-${1000 + i}` }),
    ),
    loginEvent({ ip: V, device_id: "100-99-0001" }),
    loginEvent({ ip: `::ffff:${V}`, device_id: "100-99-0002" }),
    loginEvent({ ip: V, device_id: "100-99-0003", locale: 7 }),
    loginEvent({ ip: "198.51.100.9", device_id: DEVICE }),
  ];
}

async function load(
  db: TestDatabase,
  env: Record<string, string>,
  bodies: readonly string[],
  ...flags: string[]
) {
  const result = await runCli(
    [...DRAIN, "--queue-url", await queueOf(bodies), "--database-url", db.url, ...flags],
    env,
  );
  assert.equal(result.code, 0, result.stderr);
  return result;
}

/** Every reversible value in every SecureLog table, opened with `keys`. */
async function revealEverything(db: TestDatabase, keys: readonly string[]): Promise<string[]> {
  const ring = keyRing(
    parseKey(keys[0] ?? "", "key"),
    keys.slice(1).map((k) => parseKey(k, "key")),
  );
  const dump = await db.dump();
  return [...new Set(dump.match(ENCRYPTED_IN_TEXT) ?? [])].flatMap((token) => {
    const opened = reveal(token, ring);
    return opened.ok ? [opened.value] : [];
  });
}

const count = async (db: TestDatabase, sql: string, params: unknown[] = []) =>
  Number((await db.query<{ n: string }>(sql, params))[0]?.n);

describe("forget finds every stored form, without a mode flag", () => {
  itWithDatabase(
    "on a table written with --mask encrypt, plain forget erases every row and rejection; nothing reveals V",
    async (db) => {
      const key = generateKeyText();
      await load(db, { SECURELOG_KEY: key }, mix(50), "--mask", "encrypt");
      assert.ok((await revealEverything(db, [key])).includes(V), "V is there before");
      const forget = await runCli(["forget", "--reason", "ticket", "--ip", V, "--database-url", db.url], {
        SECURELOG_KEY: key,
      });
      assert.equal(forget.code, 0, forget.stderr);
      assert.match(forget.stdout, /encrypt:[0-9a-f]{8}: 2 rows, 1 rejections/);
      const revealed = await revealEverything(db, [key]);
      assert.ok(revealed.length > 100, "other values still reveal");
      assert.ok(!revealed.includes(V), "no stored value (audit and register included) opens to V");
      const audit = await db.query<{ masked_value: string }>("SELECT masked_value FROM securelog_audit");
      assert.ok(audit.every((a) => !a.masked_value.startsWith("enc:")));
    },
  );

  itWithDatabase(
    "on a table mixing hmac, encrypt and sha256 under two keys, forget erases all of them and counts each",
    async (db) => {
      const [k1, k2] = [generateKeyText(), generateKeyText()];
      const masks = (mode: "hmac" | "encrypt" | "sha256", key: string) =>
        createMasker(mode === "sha256" ? { mode } : { mode, keys: keyRing(parseKey(key, "k"), []) }).mask(
          "ip",
          V,
        );
      // A table from before one table meant one configuration: written here directly.
      await load(db, { SECURELOG_KEY: k1 }, mix(5));
      for (const [mode, key] of [
        ["encrypt", k1],
        ["hmac", k2],
        ["sha256", k1],
      ] as const) {
        await db.query(
          "INSERT INTO user_logins (user_id, device_type, masked_ip, masked_device_id, app_version, create_date) VALUES ('legacy', 'ios', $1, 'x', 1, now())",
          [masks(mode, key)],
        );
      }
      const env = { SECURELOG_KEY: `${k1},${k2}` };
      const dry = await runCli(["forget", "--ip", V, "--dry-run", "--database-url", db.url], env);
      assert.equal(dry.code, 0, dry.stderr);
      const [id1, id2] = [parseKey(k1, "k").id, parseKey(k2, "k").id];
      for (const kind of [
        `hmac:${id1}: 2 rows, 1 rejections`,
        `encrypt:${id1}: 1 rows`,
        `hmac:${id2}: 1 rows`,
        "sha256: 1 rows",
      ]) {
        assert.ok(dry.stdout.includes(kind), `${kind} in ${dry.stdout}`);
      }
      // rekey (k2 current) re-masks what it can and says per scheme and key what it cannot, and why.
      const rekey = await runCli(["rekey", "--database-url", db.url], { SECURELOG_KEY: `${k2},${k1}` });
      assert.equal(rekey.code, 1, rekey.stderr);
      assert.match(rekey.stdout, /re-masked 1 distinct reversible values in 1 rows under key/);
      assert.match(
        rekey.stderr,
        new RegExp(`not re-masked: \\d+ values hold one-way hmac masks under key ${id1}`),
      );
      assert.match(rekey.stderr, /not re-masked: 1 values masked with unkeyed sha256: no key to rotate/);
      assert.doesNotMatch(rekey.stderr, /reversible/);
      const forget = await runCli(["forget", "--reason", "ticket", "--ip", V, "--database-url", db.url], env);
      assert.equal(forget.code, 0, forget.stderr);
      assert.match(
        forget.stdout,
        new RegExp(`encrypt:${id2}: 1 rows`),
        "the re-masked value is found under its new key",
      );
      for (const mode of ["hmac", "encrypt", "sha256"] as const) {
        for (const key of [k1, k2]) {
          assert.equal(
            await count(db, "SELECT count(*) AS n FROM user_logins WHERE masked_ip = $1", [masks(mode, key)]),
            0,
          );
        }
      }
    },
  );

  itWithDatabase(
    "masks under a key that is not loaded: forget says so and exits 1, never reporting a partial erasure as done",
    async (db) => {
      const [k1, k2] = [generateKeyText(), generateKeyText()];
      await load(db, { SECURELOG_KEY: k1 }, mix(5));
      const forget = await runCli(["forget", "--reason", "ticket", "--ip", V, "--database-url", db.url], {
        SECURELOG_KEY: k2,
      });
      assert.equal(forget.code, 1, forget.stderr);
      assert.match(
        forget.stderr,
        new RegExp(`masked under hmac:${parseKey(k1, "k").id}, which could not be checked.*NOT complete`),
      );
      assert.equal(forget.stderr.trim().split("\n").length, 1);
    },
  );
});

describe("the erasure register survives restores and rotations", () => {
  for (const mode of ["hmac", "encrypt"] as const) {
    itWithDatabase(
      `--mask ${mode}: restore a backup from before a forget (across a rotation), forget --reapply erases V there too`,
      async (db) => {
        const [k1, k2] = [generateKeyText(), generateKeyText()];
        await load(db, { SECURELOG_KEY: k1 }, mix(20), "--mask", mode);
        // Rotate: the new key current, the old one previous.
        const rotated = { SECURELOG_KEY: `${k2},${k1}` };
        await load(db, rotated, mix(20), "--mask", mode);
        const dump = pgDump(db.url);
        const forget = await runCli(
          ["forget", "--reason", "ticket", "--ip", V, "--database-url", db.url],
          rotated,
        );
        assert.equal(forget.code, 0, forget.stderr);
        assert.match(forget.stdout, new RegExp(`${mode}:${parseKey(k1, "k").id}: 2 rows, 1 rejections`));
        assert.match(forget.stdout, new RegExp(`${mode}:${parseKey(k2, "k").id}: 2 rows, 1 rejections`));

        const restored = await createTestDatabase();
        let passed = false;
        try {
          pgRestore(restored.url, dump);
          const vRows = async (d: TestDatabase) =>
            (await revealEverything(d, [k2, k1])).filter((v) => v === V).length +
            (await count(d, "SELECT count(*) AS n FROM user_logins WHERE masked_ip = ANY($1)", [
              [k1, k2].map((k) =>
                createMasker({ mode: "hmac", keys: keyRing(parseKey(k, "k"), []) }).mask("ip", V),
              ),
            ]));
          assert.ok((await vRows(restored)) > 0, "the restored copy holds V again");
          const reapply = await runCli(
            ["forget", "--reapply", "--from", db.url, "--database-url", restored.url],
            rotated,
          );
          assert.equal(reapply.code, 0, reapply.stderr);
          assert.match(reapply.stdout, /copied \d+ register entries, erased again: /);
          assert.equal(await vRows(restored), 0, "V is gone from the restored copy");
          passed = true;
        } finally {
          await restored.drop(!passed);
        }
      },
    );
  }
});

describe("erased values stay erased", () => {
  itWithDatabase(
    "after forget, replaying dead-lettered messages that carry V loads no row holding V's mask",
    async (db) => {
      const key = generateKeyText();
      const env = { SECURELOG_KEY: key };
      await load(db, env, mix(10));
      const forget = await runCli(["forget", "--reason", "ticket", "--ip", V, "--database-url", db.url], env);
      assert.equal(forget.code, 0, forget.stderr);
      // Messages carrying V wait in a dead-letter queue, and are replayed after the erasure.
      const dlq = await queueOf([
        loginEvent({ ip: V }),
        loginEvent({ ip: `::ffff:${V}` }),
        loginEvent({ ip: V, locale: 7 }),
      ]);
      const main = await testSqs().createQueue(`erasure-main-${randomBytes(4).toString("hex")}`);
      const replay = await runCli(["replay", "--from-dlq", dlq, "--queue-url", main], env);
      assert.equal(replay.code, 0, replay.stderr);
      const run = await runCli([...DRAIN, "--queue-url", main, "--database-url", db.url], env);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /erased_value:ip\s+2/);
      const vMask = createMasker({ mode: "hmac", keys: keyRing(parseKey(key, "k"), []) }).mask("ip", V);
      assert.equal(await count(db, "SELECT count(*) AS n FROM user_logins WHERE masked_ip = $1", [vMask]), 0);
      assert.equal(
        await count(db, "SELECT count(*) AS n FROM user_logins_rejects WHERE masked_body::text LIKE $1", [
          `%${vMask}%`,
        ]),
        0,
        "the rejected one keeps no body either",
      );
    },
  );

  itWithDatabase(
    "a forget during a running drain: no row holding V survives, whichever came first",
    async (db) => {
      const key = generateKeyText();
      const env = { SECURELOG_KEY: key };
      const bodies = Array.from({ length: 20_000 }, (_, i) =>
        i % 50 === 0 ? loginEvent({ ip: V }) : loginEvent({ ip: `198.51.${(i >> 8) & 255}.${i & 255}` }),
      );
      const queueUrl = await queueOf(bodies);
      const run = startCli([...DRAIN, "--queue-url", queueUrl, "--database-url", db.url], env);
      await until(
        async () => (await count(db, "SELECT count(*) AS n FROM securelog_processed").catch(() => 0)) >= 3000,
        "the drain to be under way",
        60_000,
      );
      const forget = await runCli(["forget", "--reason", "ticket", "--ip", V, "--database-url", db.url], env);
      assert.equal(forget.code, 0, forget.stderr);
      const done = await run.done;
      assert.equal(done.code, 0, done.stderr);
      assert.ok((await count(db, "SELECT count(*) AS n FROM securelog_processed")) === 20_000);
      const vMask = createMasker({ mode: "hmac", keys: keyRing(parseKey(key, "k"), []) }).mask("ip", V);
      assert.equal(await count(db, "SELECT count(*) AS n FROM user_logins WHERE masked_ip = $1", [vMask]), 0);
      const kept = await count(
        db,
        "SELECT count(*) AS n FROM user_logins_rejects WHERE reason = 'erased_value:ip'",
      );
      assert.ok(kept > 0, "messages after the erasure were kept out as erased_value");
    },
  );
});

describe("erasure names its request", () => {
  itWithDatabase(
    "forget without --reason is refused (as reveal is), naming the option; --dry-run needs none",
    async (db) => {
      const key = generateKeyText();
      await load(db, { SECURELOG_KEY: key }, mix(2));
      const refused = await runCli(["forget", "--ip", V, "--database-url", db.url], { SECURELOG_KEY: key });
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /^securelog: error: forget needs --reason TEXT/);
      assert.equal(await count(db, "SELECT count(*) AS n FROM user_logins"), 5, "nothing erased");
      const dry = await runCli(["forget", "--ip", V, "--dry-run", "--database-url", db.url], {
        SECURELOG_KEY: key,
      });
      assert.equal(dry.code, 0, dry.stderr);
      const done = await runCli(["forget", "--ip", V, "--reason", "DSR-9", "--database-url", db.url], {
        SECURELOG_KEY: key,
      });
      assert.equal(done.code, 0, done.stderr);
      const [audit] = await db.query<{ reason: string }>("SELECT reason FROM securelog_audit");
      assert.equal(audit?.reason, "DSR-9");
    },
  );
});

describe("erasure has no side door", () => {
  const spellings = ["1.2.3.04", "1.2.3.4:8080", "[1.2.3.4]", "1.2.3.4\u200b", " 001.002.003.004 "];

  itWithDatabase(
    "forget --ip 1.2.3.4 finds the rejections whose ip field spells it with a port, brackets, leading zeros or invisible characters",
    async (db) => {
      const key = generateKeyText();
      const bodies = [
        ...spellings.map((ip, i) => loginEvent({ ip, device_id: `100-98-000${i}` })),
        loginEvent({ ip: "[2001:db8::1]:443", device_id: "100-98-0010" }),
        loginEvent({ ip: "9.9.9.9", device_id: "100-98-0011" }),
      ];
      await load(db, { SECURELOG_KEY: key }, bodies);
      assert.equal(await count(db, "SELECT count(*) AS n FROM user_logins_rejects"), 6);
      const forget = await runCli(
        ["forget", "--reason", "ticket", "--ip", "1.2.3.4", "--database-url", db.url],
        {
          SECURELOG_KEY: key,
        },
      );
      assert.equal(forget.code, 0, forget.stderr);
      assert.match(forget.stdout, /hmac:[0-9a-f]{8}: 0 rows, 5 rejections/);
      const v6 = await runCli(
        ["forget", "--reason", "ticket", "--ip", "2001:DB8::1", "--database-url", db.url],
        {
          SECURELOG_KEY: key,
        },
      );
      assert.match(v6.stdout, /0 rows, 1 rejections/);
      assert.equal(await count(db, "SELECT count(*) AS n FROM user_logins_rejects"), 0);
      assert.equal(await count(db, "SELECT count(*) AS n FROM user_logins"), 1);
    },
  );

  itWithDatabase(
    "forget accepts any value verbatim: a spelling that is no address, and a device id with invisible characters",
    async (db) => {
      const key = generateKeyText();
      await load(db, { SECURELOG_KEY: key }, [
        loginEvent({ ip: "not-an-ip", device_id: "100-97-0001" }),
        loginEvent({ ip: "198.51.100.1", device_id: "DEV\u200b-42" }),
        loginEvent({ ip: "198.51.100.2", device_id: "DEV-42" }),
      ]);
      const ip = await runCli(
        ["forget", "--reason", "ticket", "--ip", "not-an-ip", "--database-url", db.url],
        {
          SECURELOG_KEY: key,
        },
      );
      assert.equal(ip.code, 0, ip.stderr);
      assert.match(ip.stderr, /looking for it exactly as written/);
      assert.match(ip.stdout, /0 rows, 1 rejections/);
      const device = await runCli(
        ["forget", "--reason", "ticket", "--device-id", "DEV-42", "--database-url", db.url],
        {
          SECURELOG_KEY: key,
        },
      );
      assert.equal(device.code, 0, device.stderr);
      assert.match(device.stdout, /hmac:[0-9a-f]{8}: 2 rows, 0 rejections/);
      assert.equal(await count(db, "SELECT count(*) AS n FROM user_logins"), 0);
    },
  );

  itWithDatabase(
    "after forget --ip 1.2.3.4, the value sent again in any field, key name, nested value or spelling is never stored",
    async (db) => {
      const key = generateKeyText();
      await load(db, { SECURELOG_KEY: key }, [loginEvent({ ip: "1.2.3.4", device_id: "100-96-0001" })]);
      const forget = await runCli(
        ["forget", "--reason", "ticket", "--ip", "1.2.3.4", "--database-url", db.url],
        {
          SECURELOG_KEY: key,
        },
      );
      assert.equal(forget.code, 0, forget.stderr);
      const rejected = (extra: Record<string, unknown>) =>
        JSON.stringify({
          ...JSON.parse(loginEvent({ ip: "9.9.9.9", device_id: "100-96-0002" })),
          locale: 7,
          ...extra,
        });
      await load(db, { SECURELOG_KEY: key }, [
        rejected({ note: "1.2.3.4" }),
        rejected({ "1.2.3.4": 1 }),
        rejected({ deep: { list: ["x", { y: "1.2.3.4" }] } }),
        ...spellings.map((ip, i) => loginEvent({ ip, device_id: `100-96-001${i}` })),
        JSON.stringify({ device_id: "1.2.3.4", note: 1 }),
        rejected({ note: "5.6.7.8" }),
      ]);
      const again = await runCli(["forget", "--ip", "1.2.3.4", "--dry-run", "--database-url", db.url], {
        SECURELOG_KEY: key,
      });
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /nothing matched/);
      // Each of them is there as a rejection without a body; the one without the value keeps its body.
      assert.equal(
        await count(db, "SELECT count(*) AS n FROM user_logins_rejects WHERE masked_body IS NULL"),
        spellings.length + 4,
      );
      assert.equal(
        await count(db, "SELECT count(*) AS n FROM user_logins_rejects WHERE masked_body IS NOT NULL"),
        1,
      );
    },
  );
});

describe("keys people cannot get wrong, and one masking configuration per table", () => {
  itWithDatabase(
    "a passphrase is refused in one line naming keygen; a key of the previous format names the command that converts it",
    async (db) => {
      for (const weak of ["my-company-securelog-key-for-production-2026", "0".repeat(44), "not base64!!"]) {
        const result = await runCli(["run", "--database-url", db.url], { SECURELOG_KEY: weak });
        assert.equal(result.code, 2, result.stderr);
        assert.match(
          result.stderr,
          /^securelog: error: SECURELOG_KEY( \(key 1\))? is not a SecureLog key.*securelog keygen/,
        );
        assert.equal(result.stderr.trim().split("\n").length, 1);
        assert.ok(!result.stderr.includes(weak));
      }
      const legacy = randomBytes(32).toString("base64");
      const refused = await runCli(["run", "--database-url", db.url], { SECURELOG_KEY: legacy });
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /previous format.*securelog keygen --convert/);
      const converted = await runCli(["keygen", "--convert"], {}, { input: `${legacy}\n` });
      assert.equal(converted.code, 0, converted.stderr);
      // The same bytes, so the same key id and the same masks as the old key made.
      const before = keyFromBytes(Buffer.from(legacy, "base64"));
      const after = parseKey(converted.stdout, "converted");
      assert.equal(after.id, before.id);
      const mask = (k: typeof before) => createMasker({ mode: "hmac", keys: keyRing(k, []) }).mask("ip", V);
      assert.equal(mask(after), mask(before));
    },
  );

  it("keygen --convert refuses a passphrase made to look like a key, saying why, and never echoes it", async () => {
    const passphrase = Buffer.from("my-company-securelog-key-for-prd").toString("base64");
    const repeated = Buffer.from(
      "0123456789abcdef"
        .repeat(2)
        .split("")
        .map((c) => c.charCodeAt(0) * 3),
    ).toString("base64");
    for (const [weak, why] of [
      [passphrase, /printable text, like a passphrase/],
      [repeated, /repeats a pattern of 16 bytes|too few distinct values/],
    ] as const) {
      const result = await runCli(["keygen", "--convert"], {}, { input: `${weak}\n` });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, why);
      assert.match(result.stderr, /securelog keygen/);
      assert.equal(result.stdout, "");
      assert.ok(!result.stderr.includes(weak));
    }
  });

  itWithDatabase(
    "switching scheme, app_version mode or key on a populated table exits 2 naming both; a proper rotation runs",
    async (db) => {
      const [k1, k2] = [generateKeyText(), generateKeyText()];
      const [id1, id2] = [parseKey(k1, "k").id, parseKey(k2, "k").id];
      const first = await load(db, { SECURELOG_KEY: k1 }, mix(3));
      assert.match(first.stderr, new RegExp(`"mask":"hmac, keys current ${id1}"`));
      const attempt = async (env: Record<string, string>, ...flags: string[]) => {
        const queueUrl = await queueOf([loginEvent({})]);
        const result = await runCli(
          [...DRAIN, "--queue-url", queueUrl, "--database-url", db.url, ...flags],
          env,
        );
        return { result, left: await testSqs().countReceivable(queueUrl) };
      };
      const cases: [Record<string, string>, string[], RegExp][] = [
        [
          { SECURELOG_KEY: k1 },
          ["--mask", "encrypt"],
          /masked with --mask hmac; this run uses --mask encrypt/,
        ],
        [{}, ["--mask", "sha256"], /masked with --mask hmac; this run uses --mask sha256/],
        [
          { SECURELOG_KEY: k1 },
          ["--app-version", "packed"],
          /--app-version major; this run uses --app-version packed/,
        ],
        [
          { SECURELOG_KEY: k2 },
          [],
          new RegExp(`masked with key ${id1}, which this run has not loaded \\(keys loaded: ${id2}\\)`),
        ],
      ];
      for (const [env, flags, message] of cases) {
        const { result, left } = await attempt(env, ...flags);
        assert.equal(result.code, 2, `${flags.join(" ")}: ${result.stderr}`);
        assert.match(result.stderr, message);
        assert.equal(left, 1, "nothing was consumed");
      }
      const { result } = await attempt({ SECURELOG_KEY: `${k2},${k1}` });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, new RegExp(`keys current ${id2}, previous ${id1}`));
      const stats = await runCli(["stats", "--json", "--database-url", db.url]);
      const kinds = (JSON.parse(stats.stdout).masks as { value: string }[]).map((m) => m.value).sort();
      assert.deepEqual(kinds, [`hmac:${id1}`, `hmac:${id2}`].sort());
    },
  );

  itWithDatabase(
    "two runs started at once with different schemes: one of them is refused, the table is not mixed",
    async (db) => {
      const key = generateKeyText();
      const runs = await Promise.all(
        (["hmac", "encrypt"] as const).map(async (mode) =>
          runCli(
            [
              ...DRAIN,
              "--queue-url",
              await queueOf([loginEvent({})]),
              "--database-url",
              db.url,
              "--mask",
              mode,
            ],
            {
              SECURELOG_KEY: key,
            },
          ),
        ),
      );
      assert.deepEqual(runs.map((r) => r.code).sort(), [0, 2]);
      const stats = await runCli(["stats", "--json", "--database-url", db.url]);
      assert.equal((JSON.parse(stats.stdout).masks as unknown[]).length, 1);
    },
  );
});
