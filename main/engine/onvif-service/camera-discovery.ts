/**
 * "Find cameras": WS-Discovery on the interfaces asked for plus unicast
 * probes, with every device found marked as already added or not. Runs only
 * when a user asks — never at start-up.
 *
 * Loopback-only mode (the demo, tests): multicast only on `lo`, unicast only
 * to 127.0.0.0/8 literals, so no probe can leave the machine whatever a
 * client sends.
 */
import { isIPv4 } from 'node:net';
import type { DiscoveredCamera, DiscoveryDefaults, DiscoveryInput, DiscoveryResult } from '../../../preload/api.ts';
import { discoverDevices, listProbeInterfaces, parseProbeTargets, type DiscoveredDevice } from '../onvif/index.ts';
import type { OnvifDeviceRow } from '../storage/onvif-index.ts';
import type { Store } from '../storage/store.ts';
import { invalid } from '../errors.ts';
import { asApi } from './api-errors.ts';

export interface DiscoverySettings {
  /** Probe loopback only (demo, tests). Default false. */
  loopbackOnly?: boolean;
  /** Unicast addresses every scan includes by default (the demo's simulated cameras). */
  suggestedAddresses?: string[];
  /**
   * Multicast interfaces used when a request names none. Default: every
   * non-internal IPv4 interface, or none in loopback-only mode.
   */
  defaultInterfaces?: string[];
  /** How long a scan listens by default (3000 ms). */
  scanTimeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 3000;

export class CameraDiscovery {
  constructor(
    private readonly store: Store,
    private readonly settings: DiscoverySettings = {},
  ) {}

  defaults(): DiscoveryDefaults {
    const loopbackOnly = Boolean(this.settings.loopbackOnly);
    const selectedByDefault = this.defaultInterfaces();
    const available = loopbackOnly ? listProbeInterfaces(['lo']) : listProbeInterfaces();
    // In loopback-only mode `lo` is offered only where multicast on it was asked for (inside the test namespace).
    const offered = loopbackOnly ? available.filter((i) => selectedByDefault?.includes(i.name)) : available;
    return {
      interfaces: offered.map((i) => ({ name: i.name, address: i.address, selected: selectedByDefault ? selectedByDefault.includes(i.name) : true })),
      addresses: [...(this.settings.suggestedAddresses ?? [])],
      loopbackOnly,
      timeoutMs: this.settings.scanTimeoutMs ?? DEFAULT_TIMEOUT_MS,
    };
  }

  async discover(input: DiscoveryInput): Promise<DiscoveryResult> {
    const interfaces = input.interfaces ?? this.defaultInterfaces();
    const addresses = input.addresses ?? this.settings.suggestedAddresses ?? [];
    if (this.settings.loopbackOnly) this.checkLoopbackOnly(interfaces ?? [], addresses);
    const started = Date.now();
    const result = await asApi(() =>
      discoverDevices({ interfaces, addresses, timeoutMs: input.timeoutMs ?? this.settings.scanTimeoutMs ?? DEFAULT_TIMEOUT_MS }),
    );
    const known = this.store.onvif.listDevices();
    return {
      devices: result.devices.map((d) => describe(d, known)),
      interfaces: result.interfaces.map((i) => ({ name: i.name, address: i.address ?? null, error: i.error ?? null })),
      unicastTargets: result.unicastTargets,
      rejectedMessages: result.rejectedMessages,
      durationMs: Date.now() - started,
    };
  }

  /** undefined = every non-internal interface (the discovery layer's default). */
  private defaultInterfaces(): string[] | undefined {
    if (this.settings.defaultInterfaces) return [...this.settings.defaultInterfaces];
    return this.settings.loopbackOnly ? [] : undefined;
  }

  private checkLoopbackOnly(interfaces: string[], addresses: string[]): void {
    const foreign = interfaces.find((name) => name !== 'lo');
    if (foreign) throw invalid(`this Keepwatch only probes loopback (demo mode): interface "${foreign}" is not allowed`);
    const targets = asApiSync(() => parseProbeTargets(addresses));
    const outside = targets.find((t) => !(isIPv4(t.host) && t.host.startsWith('127.')));
    if (outside) throw invalid(`this Keepwatch only probes loopback (demo mode): ${outside.host} is not a 127.x.x.x address`);
  }
}

function asApiSync<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    // parseProbeTargets only throws BAD_ADDRESS: a message for the user.
    throw invalid((error as Error).message);
  }
}

function hostnameOf(url: string): string | null {
  try {
    return new URL(url).hostname;
  } catch {
    return null;
  }
}

/**
 * A device counts as added only when a stored camera lives on the host that
 * actually answered AND matches it by endpoint reference or by exact address.
 * A reference alone proves nothing: any device can claim any reference.
 */
export function findAddedCamera(device: Pick<DiscoveredDevice, 'endpointRef' | 'xaddrs' | 'sourceAddress'>, known: OnvifDeviceRow[]): OnvifDeviceRow | undefined {
  return known.find(
    (k) => hostnameOf(k.xaddr) === device.sourceAddress && (k.endpointRef === device.endpointRef || device.xaddrs.includes(k.xaddr)),
  );
}

function describe(device: DiscoveredDevice, known: OnvifDeviceRow[]): DiscoveredCamera {
  const match = findAddedCamera(device, known);
  return {
    endpointRef: device.endpointRef,
    name: device.name ?? null,
    hardware: device.hardware ?? null,
    location: device.location ?? null,
    xaddrs: device.xaddrs,
    address: device.sourceAddress,
    interfaces: device.interfaces,
    unicast: device.unicast,
    conflictingSources: device.conflictingSources,
    added: Boolean(match),
    cameraId: match?.cameraId ?? null,
  };
}
