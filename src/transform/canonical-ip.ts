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
  const zone = value.indexOf("%");
  if (zone >= 0) {
    // A zone id (`fe80::1%eth0`) names an interface, and Linux interface names are case-sensitive: canonicalise
    // the address and keep the zone as written. URL cannot parse a zone, so the address goes through it alone.
    return `${compressed(value.slice(0, zone))}${value.slice(zone)}`;
  }
  const host = compressed(value);
  const mapped = MAPPED_V4.exec(host);
  if (mapped === null) return host;
  const high = Number.parseInt(mapped[1] ?? "0", 16);
  const low = Number.parseInt(mapped[2] ?? "0", 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/** Lower-case, zeros compressed, embedded IPv4 in hex: the WHATWG URL serialisation of an IPv6 address. */
function compressed(address: string): string {
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}
