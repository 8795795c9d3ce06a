import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverDevices, listProbeInterfaces, parseProbeTargets } from '../../main/engine/onvif/index.ts';
import { startSimOnvifDevice, type SimOnvifDevice } from '../../main/sim-onvif/index.ts';
import { inLoopbackOnlyNamespace, MULTICAST_SKIP_REASON } from './helpers/network.ts';

const multicastAllowed = inLoopbackOnlyNamespace();
if (!multicastAllowed) console.warn(`Skipping multicast discovery tests: ${MULTICAST_SKIP_REASON}`);

describe('discovery', () => {
  const devices: SimOnvifDevice[] = [];
  beforeAll(async () => {
    for (const [name, model] of [['Front Door', 'Doorbell 2'], ['Garage', 'Bullet 4K'], ['Back Yard', 'Dome X']]) {
      // The simulated devices only join the group on loopback, and only answer loopback senders.
      devices.push(await startSimOnvifDevice({ name, model, location: 'Test Lab', multicast: multicastAllowed }));
    }
  });
  afterAll(async () => {
    await Promise.all(devices.map((d) => d.stop()));
  });

  it.skipIf(!multicastAllowed)('finds 3 simulated devices on loopback within 3 s, with names and interface', async () => {
    expect(devices.every((d) => d.multicastJoined)).toBe(true);
    const started = Date.now();
    const result = await discoverDevices({ interfaces: ['lo'], timeoutMs: 1500 });
    expect(Date.now() - started).toBeLessThan(3000);

    expect(result.interfaces).toEqual([{ name: 'lo', address: '127.0.0.1' }]);
    const ours = result.devices.filter((d) => devices.some((sim) => sim.endpointRef === d.endpointRef));
    expect(ours).toHaveLength(3);
    expect(ours.map((d) => d.name).sort()).toEqual(['Back Yard', 'Front Door', 'Garage']);
    for (const found of ours) {
      const sim = devices.find((d) => d.endpointRef === found.endpointRef)!;
      expect(found.interfaces).toEqual(['lo']);
      expect(found.xaddrs).toEqual([sim.xaddr]);
      expect(found.location).toBe('Test Lab');
      expect(found.hardware).toMatch(/Doorbell 2|Bullet 4K|Dome X/);
      expect(found.types).toContain('NetworkVideoTransmitter');
      expect(found.sourceAddress).toBe('127.0.0.1');
    }
  });

  it.skipIf(!multicastAllowed)('the onvif npm package finds the simulated devices too (the simulator speaks real WS-Discovery)', async () => {
    type RawMatch = { probeMatches?: { probeMatch?: { endpointReference?: { address?: string } } } };
    const { Discovery } = createRequire(import.meta.url)('onvif') as {
      Discovery: { probe(options: object, callback: (error: unknown, found: RawMatch[]) => void): void };
    };
    const found = await new Promise<RawMatch[]>((resolve) =>
      Discovery.probe({ device: 'lo', timeout: 1000, resolve: false }, (_error, matches) => resolve(matches ?? [])),
    );
    const refs = found.map((m) => m.probeMatches?.probeMatch?.endpointReference?.address);
    expect(refs).toEqual(expect.arrayContaining(devices.map((d) => d.endpointRef)));
  });

  it('unicast probe of 127.0.0.1:port finds a device without multicast', async () => {
    const target = devices[1];
    const result = await discoverDevices({ interfaces: [], addresses: [`127.0.0.1:${target.discoveryPort}`], timeoutMs: 500 });
    expect(result.devices).toHaveLength(1);
    expect(result.devices[0]).toMatchObject({
      endpointRef: target.endpointRef,
      name: 'Garage',
      unicast: true,
      interfaces: [],
      xaddrs: [target.xaddr],
    });
  });

  it('a unicast range probes each address once', async () => {
    const ports = devices.map((d) => d.discoveryPort);
    const result = await discoverDevices({ interfaces: [], addresses: ports.map((p) => `127.0.0.1:${p}`).concat('127.0.0.1-3:1'), timeoutMs: 500 });
    expect(result.unicastTargets).toBe(6);
    expect(result.devices.map((d) => d.endpointRef).sort()).toEqual(devices.map((d) => d.endpointRef).sort());
  });

  it('reports an unknown interface instead of probing elsewhere', async () => {
    const result = await discoverDevices({ interfaces: ['no-such-nic0'], timeoutMs: 100 });
    expect(result.interfaces).toEqual([{ name: 'no-such-nic0', error: 'no IPv4 interface with this name' }]);
    expect(result.devices).toEqual([]);
  });
});

describe('probe targets and interfaces', () => {
  it('parses hosts, ports and small ranges', () => {
    expect(parseProbeTargets(['192.168.1.20', '192.168.1.21:8702', 'cam.lan', '10.0.0.1-3'])).toEqual([
      { host: '192.168.1.20', port: 3702 },
      { host: '192.168.1.21', port: 8702 },
      { host: 'cam.lan', port: 3702 },
      { host: '10.0.0.1', port: 3702 },
      { host: '10.0.0.2', port: 3702 },
      { host: '10.0.0.3', port: 3702 },
    ]);
    expect(parseProbeTargets(['10.0.0.0-255'])).toHaveLength(256);
  });

  it.each([
    ['10.0.0.0-255', '10.0.1.1'],
    ['10.0.0.9-3'],
    ['10.0.0.1-300'],
    ['256.1.1.1'],
    ['10.0.0.1:0'],
    ['10.0.0.1:70000'],
    ['[::1]:3702'],
    ['-oProxyCommand=x'],
    ['host name'],
    [''],
  ])('refuses %s', (...entries) => {
    expect(() => parseProbeTargets(entries)).toThrow(expect.objectContaining({ code: 'BAD_ADDRESS' }));
  });

  it('lists loopback only when asked for by name', () => {
    expect(listProbeInterfaces().some((i) => i.internal)).toBe(false);
    expect(listProbeInterfaces(['lo'])).toEqual([{ name: 'lo', address: '127.0.0.1', netmask: '255.0.0.0', internal: true }]);
  });
});
