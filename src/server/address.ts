/**
 * The client an address stands for, for per-address limits (sandbox starts,
 * sandboxes held, logins, joins). An IPv4 address is one client; an IPv6
 * host is normally given a whole /64 and can pick any of its 2^64
 * addresses, so IPv6 addresses are counted per /64 (as rate limiters and
 * abuse lists commonly do). IPv4-mapped IPv6 (::ffff:192.0.2.1) is the IPv4
 * address. Pure: no DNS, no sockets.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** `addr` when it is IPv4 (or not an address at all), else its /64 as `xxxx:xxxx:xxxx:xxxx::/64`. */
export function clientKey(addr: string): string {
  const bare = addr.replace(/%.*$/, ''); // a zone id (fe80::1%eth0) names an interface, not a host
  if (!isIPv6(bare)) return addr;
  const groups = expandIPv6(bare);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const v4 = `${groups[6]! >> 8}.${groups[6]! & 255}.${groups[7]! >> 8}.${groups[7]! & 255}`;
    if (isIPv4(v4)) return v4;
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (with :: and a dotted IPv4 tail). */
function expandIPv6(addr: string): number[] {
  let text = addr.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const part = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const left = part(head);
  const right = part(tail);
  const fill = tail === undefined ? [] : new Array<number>(8 - left.length - right.length).fill(0);
  return [...left, ...fill, ...right];
}
