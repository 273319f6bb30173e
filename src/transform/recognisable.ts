import { canonicalIp } from "./canonical-ip.ts";

/**
 * Format characters (Unicode Cf: zero-width space and joiners, the BOM, bidirectional marks, the soft hyphen):
 * invisible, so `1.2.3.4` followed by a zero-width space reads as `1.2.3.4` to anyone, and must be found by an
 * erasure of it.
 */
const INVISIBLE = /\p{Cf}/gu;
const BRACKETED = /^\[([^\]]+)\](?::(\d{1,5}))?$/;
const IPV4_WITH_PORT = /^(\d{1,4}(?:\.\d{1,4}){3}):(\d{1,5})$/;
const DOTTED = /^(\d{1,4})\.(\d{1,4})\.(\d{1,4})\.(\d{1,4})$/;

/**
 * The canonical address an ip field holds in a spelling people recognise but the validator refuses: invisible
 * characters, brackets (`[2001:db8::1]`), a port (`1.2.3.4:8080`, `[::1]:443`), leading zeros read as decimal
 * (`1.2.3.04`). Undefined when even that is not an address. A rejected body stores its ip masked in this
 * canonical form, so `forget --ip 1.2.3.4` finds it, and the load-time erasure check recognises it the same way.
 */
export function recognisableIp(raw: string): string | undefined {
  const direct = canonicalIp(raw);
  if (direct !== undefined) return direct;
  let value = raw.replace(INVISIBLE, "").trim();
  const bracketed = BRACKETED.exec(value);
  const withPort = bracketed === null ? IPV4_WITH_PORT.exec(value) : null;
  const port = bracketed?.[2] ?? withPort?.[2];
  if (port !== undefined && Number(port) > 65_535) return undefined;
  value = bracketed?.[1] ?? withPort?.[1] ?? value;
  const dotted = DOTTED.exec(value);
  if (dotted !== null)
    value = dotted
      .slice(1, 5)
      .map((octet) => String(Number(octet)))
      .join(".");
  return canonicalIp(value);
}

/** The form an ip is masked and erased in: its recognisable address, else the text as written (trimmed). */
export function ipForm(raw: string): string {
  return recognisableIp(raw) ?? raw.trim();
}

/**
 * A device id as it is masked, in rows and rejections alike, and as `forget --device-id` looks for it: without
 * invisible characters and surrounding white space. May be empty (a device id of nothing but those is invalid).
 */
export function canonicalDeviceId(raw: string): string {
  // Every format character is outside ASCII: the common id skips the Unicode-property scan.
  return (PRINTABLE_ASCII.test(raw) ? raw : raw.replace(INVISIBLE, "")).trim();
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
