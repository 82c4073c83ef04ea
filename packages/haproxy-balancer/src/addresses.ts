import { SocketAddress } from 'node:net';
import { hostProblem, ipProblem, printable } from '@lighthouse/core';
import { isIP } from 'node:net';

/** How names and addresses are written into haproxy.cfg. */

/**
 * Where listeners bind when `bind_address` is unset. Lighthouse 1.0 documented "localhost" but
 * bound every interface (B32); binding loopback is the deliberate, safe fix. `*` or `0.0.0.0`
 * binds all interfaces.
 */
export const DEFAULT_BIND_ADDRESS = '127.0.0.1';

/** The characters HAProxy 2.6 accepts in proxy, server and peer names (`invalid_char()`). */
const HAPROXY_NAME = /^[A-Za-z0-9_.:-]+$/;

/** Why `name` cannot name an HAProxy server or peer (`fe80::1%eth0` has a `%`), or undefined. */
export function haproxyNameProblem(name: string): string | undefined {
  return HAPROXY_NAME.test(name)
    ? undefined
    : `"${printable(name)}" is not a valid HAProxy name (letters, digits, "_", ".", ":", "-")`;
}

/**
 * Why `ip` cannot be a server or peer address, or undefined. HAProxy 2.6 cannot parse IPv6 zone
 * ids (`fe80::1%eth0`, bracketed or not): it tries to resolve them as names and fails the config.
 */
export function serverAddressProblem(ip: string): string | undefined {
  if (ip.includes('%')) return `"${printable(ip)}": HAProxy does not support IPv6 zone ids`;
  return ipProblem(ip);
}

/** Why `address` cannot be a bind address, or undefined: an IP, a host name, or `*`. */
export function bindAddressProblem(address: string): string | undefined {
  if (address === '*' || hostProblem(address) === undefined) return undefined;
  return `"${printable(address)}" is not an IP address, a host name or "*"`;
}

/** `host:port`, IPv6 literals in brackets (`[::1]:80`): HAProxy 2.6 reads that unambiguously. */
export function formatAddress(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * An IP as HAProxy prints it (inet_ntop): an IPv6 address may be spelled many ways
 * (`0:0:0:0:0:0:0:1`, `2001:DB8::1`), and comparing spellings would re-send `set server … addr`
 * at every sync.
 */
export function canonicalIp(ip: string): string {
  if (!ip.includes(':')) return ip;
  try {
    return new SocketAddress({ address: ip, family: 'ipv6' }).address;
  } catch {
    return ip;
  }
}
