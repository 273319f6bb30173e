import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Stats } from "../../src/sink/table-contents.ts";
import { generateKeyText, parseKey } from "../../src/transform/mask-key.ts";
import { runCli } from "../helpers/cli.ts";
import { useServices } from "../helpers/services.ts";

const login = (
  user: string,
  device: string,
  ip: string,
  version: string,
  locale: string | null,
  type = "ios",
) =>
  JSON.stringify({ user_id: user, app_version: version, device_type: type, ip, locale, device_id: device });

/** A data set whose statistics are known by construction. */
const MESSAGES = [
  login("u1", "111-11-1111", "10.0.0.1", "2.3.0", "DE"),
  login("u2", "111-11-1111", "10.0.0.2", "2.0.1", "DE"), // the device of u1: shared
  login("u3", "222-22-2222", "10.0.0.1", "1.9.9", null, "android"),
  login("u3", "222-22-2222", "10.0.0.3", "1.2.0", null, "android"), // same user, same device: not shared
  login("u4", "333-33-3333", "10.0.0.4", "0.96", "PH"),
  '{"foo": "oops_wrong_msg_type", "bar": "123"}',
  "not json",
];

describe("securelog stats", () => {
  const services = useServices();

  it("reports what a known data set holds", async () => {
    const { db, sqs } = services;
    const queueUrl = await sqs.createQueue("stats");
    await sqs.send(queueUrl, MESSAGES);
    const key = generateKeyText();
    const loaded = await runCli(["run", "--until-empty", "--queue-url", queueUrl, "--database-url", db.url], {
      SECURELOG_KEY: key,
    });
    assert.equal(loaded.code, 0, loaded.stderr);

    const json = await runCli(["stats", "--json", "--database-url", db.url]);
    assert.equal(json.code, 0, json.stderr);
    const stats = JSON.parse(json.stdout) as Stats;
    const today = new Date().toISOString().slice(0, 10);
    assert.deepEqual(
      { ...stats, firstDate: stats.firstDate === today, lastDate: stats.lastDate === today },
      {
        rows: 5,
        users: 4,
        devices: 3,
        ips: 4,
        sharedDevices: 1,
        rejects: 2,
        firstDate: true,
        lastDate: true,
        appVersions: [
          { value: 1, n: 2 },
          { value: 2, n: 2 },
          { value: 0, n: 1 },
        ],
        locales: [
          // JSON for programs: an absent locale is null, an app_version a number (the text table says "(null)").
          { value: null, n: 2 },
          { value: "DE", n: 2 },
          { value: "PH", n: 1 },
        ],
        deviceTypes: [
          { value: "ios", n: 3 },
          { value: "android", n: 2 },
        ],
        rejectReasons: [
          { value: "malformed_json", n: 1 },
          { value: "missing_field:user_id", n: 1 },
        ],
        // Both columns of the 5 rows; the rejected bodies hold no ip or device_id here.
        masks: [{ value: `hmac:${parseKey(key, "key").id}`, n: 10 }],
      },
    );

    const table = await runCli(["stats", "--database-url", db.url]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /devices seen with several users\s+1/);
    assert.match(table.stdout, /\(null\)\s+2\s+40\.0%/);
    assert.match(table.stdout, /user_logins_rejects: 2/);
    assert.match(
      table.stdout,
      new RegExp(`masked values by scheme and key:\\n\\s+hmac:${parseKey(key, "key").id}\\s+10\\s+100\\.0%`),
    );
    for (const raw of ["111-11-1111", "10.0.0.1"]) assert.ok(!table.stdout.includes(raw));
  });
});
