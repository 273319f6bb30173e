/**
 * Realistic login events, generated deterministically from a seed: the shape and quirks of real queues of
 * this kind (Python json.dumps spacing, two-part versions, null locales, devices shared between users, IPv6
 * now and then) plus a small share of bad messages of every kind the validator knows. Used for the bundled
 * sample, the tests and the benchmark. All values are made up.
 */
export interface SampleEvent {
  readonly body: string;
  /** "row", or the rejection reason the validator must give. */
  readonly expect: "row" | string;
  /** Raw PII in the body, so tests can grep outputs for it. */
  readonly ip?: string;
  readonly deviceId?: string;
}

export interface SampleOptions {
  readonly seed?: number;
  /** Share of bad messages, 0..1 (default 0.04). */
  readonly badRatio?: number;
}

/** mulberry32: a tiny, fast, seedable PRNG; quality is ample for test data. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LOCALES = ["RU", "PH", "ID", "BR", "US", "DE", "FR", "IN", "CN", "MX", "NG", "PL", "GB", "JP", "ES"];

/** Python's json.dumps: ", " and ": " separators, as the upstream loader sends them. */
function pythonJson(record: Record<string, unknown>): string {
  return `{${Object.entries(record)
    .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`)
    .join(", ")}}`;
}

export function generateEvents(count: number, options: SampleOptions = {}): SampleEvent[] {
  const random = prng(options.seed ?? 20_221_212);
  const badRatio = options.badRatio ?? 0.04;
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const hex = (n: number) => Array.from({ length: n }, () => int(16).toString(16)).join("");
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-${pick(["8", "9", "a", "b"])}${hex(3)}-${hex(12)}`;
  const ip = () =>
    random() < 0.03
      ? `2001:db8:${hex(4)}:${hex(2)}::${hex(3)}`
      : `${1 + int(223)}.${int(256)}.${int(256)}.${1 + int(254)}`;
  const deviceId = () =>
    `${String(int(1000)).padStart(3, "0")}-${String(int(100)).padStart(2, "0")}-${String(int(10000)).padStart(4, "0")}`;
  const version = () =>
    random() < 0.1 ? pick(["0.96", "2.00", "1.5", "3.10"]) : `${int(8)}.${int(10)}.${int(10)}`;

  const devices: { deviceId: string; ip: string }[] = [];
  const good = (): SampleEvent => {
    // One login in five comes from a device seen before (often from the same network), as in real traffic.
    const reuse = devices.length > 0 && random() < 0.2 ? pick(devices) : undefined;
    const device = reuse ?? { deviceId: deviceId(), ip: ip() };
    if (reuse === undefined) devices.push(device);
    const record = {
      user_id: uuid(),
      app_version: version(),
      device_type: pick(["android", "ios"]),
      ip: reuse !== undefined && random() < 0.5 ? ip() : device.ip,
      locale: random() < 0.33 ? null : pick(LOCALES),
      device_id: device.deviceId,
    };
    return { body: pythonJson(record), expect: "row", ip: record.ip, deviceId: record.device_id };
  };

  const bad = (): SampleEvent => {
    const base = JSON.parse(good().body) as Record<string, unknown>;
    const pii = { ip: String(base.ip), deviceId: String(base.device_id) };
    switch (int(10)) {
      case 0:
        return { body: pythonJson(base).slice(0, 40 + int(40)), expect: "malformed_json", ...pii };
      case 1:
        return { body: '{"foo": "oops_wrong_msg_type", "bar": "123"}', expect: "missing_field:user_id" };
      case 2:
        return { body: pick(["[1, 2, 3]", '"login"', "42", "null"]), expect: "not_an_object" };
      case 3: {
        const { device_id: _omitted, ...rest } = base;
        return { body: pythonJson(rest), expect: "missing_field:device_id", ...pii };
      }
      case 4: {
        const invalidIp = `${300 + int(600)}.${int(256)}.${int(256)}.${int(256)}`;
        return {
          body: pythonJson({ ...base, ip: invalidIp }),
          expect: "invalid_field:ip",
          ip: invalidIp,
          deviceId: pii.deviceId,
        };
      }
      case 5:
        return {
          body: pythonJson({ ...base, app_version: pick(["latest", "2.x", ""]) }),
          expect: "invalid_field:app_version",
          ...pii,
        };
      case 6:
        return {
          body: pythonJson({ ...base, user_id: "u".repeat(129 + int(100)) }),
          expect: "too_long:user_id",
          ...pii,
        };
      case 7:
        return {
          body: pythonJson({ ...base, device_type: "android\u0000" }),
          expect: "nul_character:device_type",
          ...pii,
        };
      case 8:
        return { body: pythonJson({ ...base, locale: 7 }), expect: "invalid_field:locale", ...pii };
      default:
        return {
          body: pythonJson({ ...base, device_type: "a".repeat(33) }),
          expect: "too_long:device_type",
          ...pii,
        };
    }
  };

  return Array.from({ length: count }, () => (random() < badRatio ? bad() : good()));
}
