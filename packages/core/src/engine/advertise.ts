import { hostname, networkInterfaces } from 'node:os';

/** The host name and address this machine advertises for its services. */
export interface Advertised {
  host: string;
  ip: string;
}

/**
 * Defaults for what the reporter advertises: the machine's host name and its first non-loopback
 * address (IPv4 preferred). lighthouse 1.0 used `gethostbyname(getfqdn())`, which is 127.0.1.1
 * on Debian (bug B35), so every consumer would have connected to itself.
 */
export function defaultAdvertised(): Advertised {
  const addresses = Object.values(networkInterfaces())
    .flat()
    .filter((address) => address !== undefined && !address.internal);
  const ip =
    addresses.find((address) => address?.family === 'IPv4')?.address ??
    addresses.find((address) => address?.family === 'IPv6' && !address.address.startsWith('fe80'))
      ?.address ??
    '127.0.0.1';
  return { host: hostname(), ip };
}
