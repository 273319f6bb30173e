import { isIPv4, isIPv6 } from "node:net";

const MAPPED_V4 = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

/**
 * One spelling per address, so that equal addresses mask equally: IPv4 as dotted quad (node's isIPv4 already
 * refuses leading zeros), IPv6 lower-case and compressed, and IPv4-mapped IPv6 (`::ffff:1.2.3.4`) as the IPv4
 * address it carries. Returns undefined for anything that is not an IP address.
 */
export function canonicalIp(raw: string): string | undefined {
  const value = raw.trim();
  if (isIPv4(value)) return value;
  if (!isIPv6(value)) return undefined;
  if (value.includes("%")) return value.toLowerCase(); // a zone id; URL cannot parse it
  const host = new URL(`http://[${value}]/`).hostname.slice(1, -1);
  const mapped = MAPPED_V4.exec(host);
  if (mapped === null) return host;
  const high = Number.parseInt(mapped[1] ?? "0", 16);
  const low = Number.parseInt(mapped[2] ?? "0", 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}
