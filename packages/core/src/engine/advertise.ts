import { readFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import type { NetworkInterfaceInfo } from 'node:os';

/** The host name and address this machine advertises for its services. */
export interface Advertised {
  host: string;
  ip: string;
}

/** The interface of the IPv4 default route, from /proc/net/route (Linux), if any. */
function defaultRouteInterface(): string | undefined {
  try {
    const rows = readFileSync('/proc/net/route', 'utf8').trim().split('\n').slice(1);
    return rows.map((row) => row.split(/\s+/)).find((fields) => fields[1] === '00000000')?.[0];
  } catch {
    return undefined;
  }
}

/**
 * The address to advertise when none is configured: the IPv4 address of the default-route
 * interface (not whichever bridge happens to come first, e.g. docker0), else the first
 * non-loopback IPv4, else a global IPv6 address. Undefined when the machine has none: the caller
 * must then refuse to register rather than advertise 127.0.0.1 (lighthouse 1.0 advertised
 * `gethostbyname(getfqdn())`, which is 127.0.1.1 on Debian, bug B35: every consumer would have
 * routed that node to itself).
 */
export function defaultAdvertisedIp(): string | undefined {
  const byInterface = Object.entries(networkInterfaces());
  const usable = (
    addresses: readonly NetworkInterfaceInfo[] | undefined,
    family: 'IPv4' | 'IPv6',
  ) =>
    addresses?.find(
      (address) =>
        !address.internal && address.family === family && !address.address.startsWith('fe80'),
    )?.address;
  const route = defaultRouteInterface();
  const routed = byInterface.find(([name]) => name === route)?.[1];
  return (
    usable(routed, 'IPv4') ??
    byInterface.map(([, addresses]) => usable(addresses, 'IPv4')).find((ip) => ip !== undefined) ??
    byInterface.map(([, addresses]) => usable(addresses, 'IPv6')).find((ip) => ip !== undefined)
  );
}

/** The machine's host name, the default advertised host. */
export function defaultAdvertisedHost(): string {
  return hostname();
}
