/** The addresses LAN viewing may serve (main/server/lan/interfaces.ts), from what the OS reports. */
import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { canonicalAddress, lanInterfaces, urlHost } from '../../main/server/lan/interfaces.ts';

const info = (address: string, internal = false): NetworkInterfaceInfo =>
  ({ address, internal, family: address.includes(':') ? 'IPv6' : 'IPv4', netmask: '', mac: '00:00:00:00:00:00', cidr: null }) as NetworkInterfaceInfo;

describe('LAN interfaces', () => {
  it('lists every non-loopback, non-link-local address once, IPv4 first — also one that sits on lo', () => {
    const found = lanInterfaces(() => ({
      lo: [info('127.0.0.1', true), info('::1', true), info('192.0.2.10', true)],
      eth0: [info('fe80::1'), info('2001:db8::9'), info('192.168.1.5')],
      wlan0: [info('192.168.1.5'), info('::ffff:10.0.0.7')],
    }));
    expect(found).toEqual([
      { name: 'lo', address: '192.0.2.10', family: 'IPv4' },
      { name: 'eth0', address: '192.168.1.5', family: 'IPv4' },
      { name: 'wlan0', address: '10.0.0.7', family: 'IPv4' },
      { name: 'eth0', address: '2001:db8::9', family: 'IPv6' },
    ]);
    expect(lanInterfaces(() => ({}))).toEqual([]);
  });

  it('spells each address one way, and brackets IPv6 in URLs', () => {
    expect(canonicalAddress(' 2001:DB8:0:0::9 ')).toBe('2001:db8::9');
    expect(canonicalAddress('::ffff:10.0.0.2')).toBe('10.0.0.2');
    expect(canonicalAddress('not-an-ip')).toBe('not-an-ip');
    expect(urlHost('2001:db8::9')).toBe('[2001:db8::9]');
    expect(urlHost('192.0.2.10')).toBe('192.0.2.10');
  });
});
