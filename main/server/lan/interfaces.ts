/**
 * The addresses this machine could serve the LAN on. Pure over what the OS
 * reports (os.networkInterfaces), which is injectable so tests choose it.
 *
 * Filtered by address, not by the interface's `internal` flag: loopback
 * addresses (127/8, ::1) are the loopback server's business, and IPv6
 * link-local ones (fe80::/10) need a zone id a browser's URL cannot carry.
 * An ordinary address that happens to sit on `lo` (a test namespace's
 * 192.0.2.10) is a LAN address like any other.
 */
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { isIP } from 'node:net';
import type { LanInterface } from '../../../preload/contract/lan.ts';
import { isLoopbackAddress, normaliseAddress } from '../host-check.ts';

export type InterfaceSource = () => NodeJS.Dict<NetworkInterfaceInfo[]>;

/** The machine's non-loopback addresses, IPv4 first, each once. */
export function lanInterfaces(source: InterfaceSource = networkInterfaces): LanInterface[] {
  const out: LanInterface[] = [];
  const seen = new Set<string>();
  for (const [name, infos] of Object.entries(source())) {
    for (const info of infos ?? []) {
      const address = normaliseAddress(info.address);
      const family = isIP(address) === 4 ? 'IPv4' : isIP(address) === 6 ? 'IPv6' : null;
      if (!family || isLoopbackAddress(address) || isLinkLocal(address) || seen.has(address)) continue;
      seen.add(address);
      out.push({ name, address, family });
    }
  }
  return out.sort((a, b) => (a.family === b.family ? 0 : a.family === 'IPv4' ? -1 : 1));
}

function isLinkLocal(address: string): boolean {
  return isIP(address) === 6 && /^fe[89ab]/i.test(address);
}

/** One spelling per address (2001:DB8:0::7 → 2001:db8::7, ::ffff:10.0.0.2 → 10.0.0.2); anything else is returned trimmed, to be refused. */
export function canonicalAddress(address: string): string {
  const a = normaliseAddress(address.trim());
  if (isIP(a) !== 6) return a;
  try {
    return new URL(`http://[${a}]/`).hostname.slice(1, -1);
  } catch {
    return a;
  }
}

/** An address as it goes into a URL's host: IPv6 in brackets. */
export function urlHost(address: string): string {
  return isIP(address) === 6 ? `[${address}]` : address;
}
