/**
 * Unicast probe targets typed by a user, for networks that drop multicast:
 *   "192.168.1.20"          → 192.168.1.20:3702
 *   "192.168.1.20:8702"     → that port
 *   "192.168.1.10-20"       → .10 to .20 (last octet range), optional ":port"
 *   "camera.lan"            → a host name (resolved when sending)
 * Capped so a typo cannot turn into a sweep of the network.
 */
import { isIPv4 } from 'node:net';
import { OnvifError } from './errors.ts';
import { WS_DISCOVERY_PORT } from './discovery-messages.ts';

export const MAX_UNICAST_TARGETS = 256;

export interface ProbeTarget {
  host: string;
  port: number;
}

const HOSTNAME = /^(?=.{1,253}$)[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,62})(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,62}))*$/;
const RANGE = /^(\d{1,3}\.\d{1,3}\.\d{1,3}\.)(\d{1,3})-(\d{1,3})$/;

function bad(entry: string, why: string): OnvifError {
  return new OnvifError('BAD_ADDRESS', `"${entry.slice(0, 64)}" is not a probe address: ${why}`);
}

function parsePort(entry: string, text: string | undefined): number {
  if (text === undefined) return WS_DISCOVERY_PORT;
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) throw bad(entry, 'the port must be 1 to 65535');
  return port;
}

export function parseProbeTargets(entries: string[]): ProbeTarget[] {
  const targets: ProbeTarget[] = [];
  const seen = new Set<string>();
  const add = (host: string, port: number) => {
    const key = `${host}:${port}`;
    if (seen.has(key)) return;
    seen.add(key);
    targets.push({ host, port });
    if (targets.length > MAX_UNICAST_TARGETS) {
      throw new OnvifError('BAD_ADDRESS', `At most ${MAX_UNICAST_TARGETS} addresses can be probed at once`);
    }
  };

  for (const raw of entries) {
    const entry = raw.trim();
    if (entry.includes('[') || entry.split(':').length > 2) throw bad(entry, 'IPv6 is not supported for probing');
    const [hostPart, portText] = entry.split(':');
    const port = parsePort(entry, portText);
    const range = RANGE.exec(hostPart);
    if (range) {
      const [, base, fromText, toText] = range;
      const from = Number(fromText);
      const to = Number(toText);
      if (!isIPv4(`${base}${from}`) || !isIPv4(`${base}${to}`) || from > to) {
        throw bad(entry, 'the range must look like 192.168.1.10-20');
      }
      for (let last = from; last <= to; last++) add(`${base}${last}`, port);
    } else if (isIPv4(hostPart) || (HOSTNAME.test(hostPart) && !/^[\d.]+$/.test(hostPart))) {
      add(hostPart, port);
    } else {
      throw bad(entry, 'expected an IPv4 address, a host name, or a range like 192.168.1.10-20');
    }
  }
  return targets;
}
