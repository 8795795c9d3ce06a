/**
 * Finding ONVIF devices: WS-Discovery Probe sent on *each* chosen IPv4
 * interface separately, plus unicast probes to addresses the user typed.
 *
 * Why per interface: a multicast datagram leaves through one interface only —
 * by default the one of the default route. On a desktop with Wi-Fi, Ethernet,
 * a VPN and a Docker bridge, that is often the wrong one, which is the most
 * common "discovery finds nothing" report. So we open one socket per
 * interface, bind it to that interface's address and set it as the multicast
 * interface; each answer is then attributed to the interface it came in on.
 *
 * Nothing here runs unless a caller asks, and only on the interfaces given.
 */
import dgram from 'node:dgram';
import os from 'node:os';
import {
  PROBE_TYPES,
  WS_DISCOVERY_ADDRESS,
  WS_DISCOVERY_PORT,
  buildProbe,
  newMessageId,
  parseProbeMatches,
  scopeValue,
  type ProbeMatch,
} from './discovery-messages.ts';
import { parseProbeTargets, type ProbeTarget } from './probe-targets.ts';

export interface ProbeInterface {
  name: string;
  address: string;
  netmask: string;
  internal: boolean;
}

/**
 * IPv4 interfaces to probe on. Without names: every non-internal one. With
 * names: exactly those (so loopback `lo` only when asked for by name).
 */
export function listProbeInterfaces(names?: string[]): ProbeInterface[] {
  const result: ProbeInterface[] = [];
  for (const [name, addresses] of Object.entries(os.networkInterfaces())) {
    if (names && !names.includes(name)) continue;
    for (const address of addresses ?? []) {
      if (address.family !== 'IPv4') continue;
      if (!names && address.internal) continue;
      result.push({ name, address: address.address, netmask: address.netmask, internal: address.internal });
    }
  }
  return result;
}

export interface DiscoveredDevice {
  /** WS-Addressing endpoint reference, e.g. urn:uuid:… — the device's identity across address changes. */
  endpointRef: string;
  /** Device service addresses; the one on the host that answered comes first. */
  xaddrs: string[];
  scopes: string[];
  types: string[];
  name?: string;
  hardware?: string;
  location?: string;
  /** Interfaces whose multicast probe it answered. */
  interfaces: string[];
  /** True when it answered a unicast probe. */
  unicast: boolean;
  /** The IP address the first answer came from. */
  sourceAddress: string;
  /**
   * Other IP addresses that answered with the same endpoint reference. Their
   * XAddrs are not merged: a device on another host must not be able to pass
   * itself off as this one.
   */
  conflictingSources: string[];
}

export interface InterfaceReport {
  name: string;
  address?: string;
  /** Why probing on this interface failed (unknown name, bind or send error). */
  error?: string;
}

export interface DiscoveryResult {
  devices: DiscoveredDevice[];
  /** One entry per interface asked for (or found), for a per-interface view in the UI. */
  interfaces: InterfaceReport[];
  unicastTargets: number;
  /** Datagrams dropped as malformed, hostile or unrelated. */
  rejectedMessages: number;
}

export interface DiscoverOptions {
  /** Interface names to probe by multicast; default every non-internal IPv4 interface; [] for none. */
  interfaces?: string[];
  /** Unicast targets ("host", "host:port", "192.168.1.10-20"). */
  addresses?: string[];
  /** How long to collect answers (default 3000 ms, at most 15000). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Called as each new device is found, for progressive UIs. */
  onDevice?(device: DiscoveredDevice): void;
}

const MAX_DEVICES = 1024;
const MAX_MESSAGES = 10_000;
/** WS-Discovery suggests repeating UDP messages once; the repeat goes out after this delay. */
const REPEAT_AFTER_MS = 400;

export async function discoverDevices(options: DiscoverOptions = {}): Promise<DiscoveryResult> {
  // Validate user input before any packet leaves.
  const targets = parseProbeTargets(options.addresses ?? []);
  const timeoutMs = Math.max(100, Math.min(options.timeoutMs ?? 3000, 15_000));
  const chosen = listProbeInterfaces(options.interfaces);
  const reports: InterfaceReport[] = chosen.map((i) => ({ name: i.name, address: i.address }));
  for (const name of options.interfaces ?? []) {
    if (!chosen.some((i) => i.name === name)) reports.push({ name, error: 'no IPv4 interface with this name' });
  }

  const collector = new Collector(options.onDevice);
  const probes = PROBE_TYPES.map((type) => {
    const id = newMessageId();
    collector.messageIds.add(id);
    return buildProbe(id, type);
  });

  const open: OpenProbe[] = [];
  try {
    await Promise.all([
      ...chosen.map((iface, index) => probeInterface(iface, probes, reports[index], collector, open)),
      targets.length ? probeUnicast(targets, probes, collector, open) : undefined,
    ]);
    await wait(timeoutMs, options.signal, () => open.forEach((probe) => probe.resend()));
  } finally {
    for (const probe of open) probe.socket.close();
  }
  return {
    devices: collector.devices(),
    interfaces: reports,
    unicastTargets: targets.length,
    rejectedMessages: collector.rejected,
  };
}

/** A socket that has sent its probes and is collecting answers. */
interface OpenProbe {
  socket: dgram.Socket;
  /** Sends the probes once more (UDP may lose them). */
  resend(): void;
}

function bindSocket(address?: string): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type: 'udp4' });
    socket.once('error', reject);
    socket.bind({ address, port: 0 }, () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

function sendTo(socket: dgram.Socket, message: Buffer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => socket.send(message, port, host, (error) => (error ? reject(error) : resolve())));
}

async function probeInterface(
  iface: ProbeInterface,
  probes: Buffer[],
  report: InterfaceReport,
  collector: Collector,
  open: OpenProbe[],
): Promise<void> {
  try {
    const socket = await bindSocket(iface.address);
    const noteError = (error: Error) => (report.error ??= error.message);
    const sendProbes = () => Promise.all(probes.map((p) => sendTo(socket, p, WS_DISCOVERY_PORT, WS_DISCOVERY_ADDRESS)));
    open.push({ socket, resend: () => void sendProbes().catch(noteError) });
    socket.on('error', noteError);
    socket.on('message', (message, remote) => collector.accept(message, remote.address, { interface: iface.name }));
    socket.setMulticastInterface(iface.address);
    // Link-local scope: the probe must not be routed beyond this network.
    socket.setMulticastTTL(1);
    socket.setMulticastLoopback(true);
    await sendProbes();
  } catch (error) {
    report.error = (error as Error).message;
  }
}

async function probeUnicast(targets: ProbeTarget[], probes: Buffer[], collector: Collector, open: OpenProbe[]): Promise<void> {
  const socket = await bindSocket();
  const sendProbes = async () => {
    for (const target of targets) {
      // An unresolvable or unreachable target must not stop the others.
      for (const probe of probes) await sendTo(socket, probe, target.port, target.host).catch(() => undefined);
    }
  };
  open.push({ socket, resend: () => void sendProbes() });
  socket.on('error', () => undefined);
  socket.on('message', (message, remote) => collector.accept(message, remote.address, { unicast: true }));
  await sendProbes();
}

function wait(ms: number, signal: AbortSignal | undefined, atRepeat: () => void): Promise<void> {
  return new Promise((resolve) => {
    const repeat = ms > REPEAT_AFTER_MS * 2 ? setTimeout(atRepeat, REPEAT_AFTER_MS) : undefined;
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    if (signal?.aborted) done();
    function done() {
      clearTimeout(timer);
      clearTimeout(repeat);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** Gathers answers from all sockets, deduplicated by endpoint reference. */
class Collector {
  readonly messageIds = new Set<string>();
  rejected = 0;
  private messages = 0;
  private readonly byRef = new Map<string, DiscoveredDevice>();

  constructor(private readonly onDevice?: (device: DiscoveredDevice) => void) {}

  accept(datagram: Buffer, sourceAddress: string, via: { interface?: string; unicast?: boolean }): void {
    if (++this.messages > MAX_MESSAGES) return;
    let matches: ProbeMatch[];
    try {
      matches = parseProbeMatches(datagram);
    } catch {
      this.rejected++;
      return;
    }
    const ours = matches.filter((m) => !m.relatesTo || this.messageIds.has(m.relatesTo));
    if (ours.length === 0) this.rejected++;
    for (const match of ours) this.add(match, sourceAddress, via);
  }

  private add(match: ProbeMatch, sourceAddress: string, via: { interface?: string; unicast?: boolean }): void {
    const known = this.byRef.get(match.endpointRef);
    if (known) {
      if (known.sourceAddress !== sourceAddress) {
        if (!known.conflictingSources.includes(sourceAddress) && known.conflictingSources.length < 8) {
          known.conflictingSources.push(sourceAddress);
        }
        return;
      }
      if (via.interface && !known.interfaces.includes(via.interface)) known.interfaces.push(via.interface);
      if (via.unicast) known.unicast = true;
      for (const xaddr of match.xaddrs) if (!known.xaddrs.includes(xaddr) && known.xaddrs.length < 16) known.xaddrs.push(xaddr);
      return;
    }
    if (this.byRef.size >= MAX_DEVICES) return;
    const device: DiscoveredDevice = {
      endpointRef: match.endpointRef,
      xaddrs: [...match.xaddrs].sort((a, b) => Number(hostOf(b) === sourceAddress) - Number(hostOf(a) === sourceAddress)),
      scopes: match.scopes,
      types: match.types,
      name: scopeValue(match.scopes, 'name'),
      hardware: scopeValue(match.scopes, 'hardware'),
      location: scopeValue(match.scopes, 'location'),
      interfaces: via.interface ? [via.interface] : [],
      unicast: Boolean(via.unicast),
      sourceAddress,
      conflictingSources: [],
    };
    this.byRef.set(match.endpointRef, device);
    try {
      this.onDevice?.(device);
    } catch {
      // A UI callback failing must not stop discovery.
    }
  }

  devices(): DiscoveredDevice[] {
    return [...this.byRef.values()];
  }
}

function hostOf(xaddr: string): string {
  return new URL(xaddr).hostname;
}
