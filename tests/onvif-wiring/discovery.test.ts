/**
 * Issue 3, test 1: POST /api/discovery finds three simulated ONVIF devices on
 * loopback within 3 s, with their names and where each was found; devices
 * already added are marked. Multicast runs only inside the loopback-only
 * namespace (.ci/run); the unicast variant runs everywhere.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startDevices, startTestApp, closedPort, inLoopbackOnlyNamespace, MULTICAST_SKIP_REASON, type TestApp } from './helpers.ts';
import type { SimOnvifDevice } from '../../main/sim-onvif/index.ts';

const multicast = inLoopbackOnlyNamespace();
if (!multicast) console.log(`[skip] ${MULTICAST_SKIP_REASON}`);

let t: TestApp;
let devices: SimOnvifDevice[];
let stopDevices: () => Promise<void>;

beforeAll(async () => {
  const deadPort = await closedPort();
  const started = await startDevices(
    ['Porch', 'Garage', 'Side gate'].map((name, i) => ({
      name,
      model: `SimCam ${i + 1}`,
      location: 'Loopback',
      multicast,
      // Nothing listens there: the cameras added below stay "connecting", which is all this file needs.
      profiles: [{ token: 'main', name: 'Main', encoding: 'H264' as const, width: 640, height: 360, fps: 15, rtspUri: `rtsp://127.0.0.1:${deadPort}/cam${i}` }],
    })),
  );
  devices = started.devices;
  stopDevices = started.stop;
  t = await startTestApp({ onvif: { loopbackOnly: true, defaultInterfaces: multicast ? ['lo'] : [], suggestedAddresses: devices.map((d) => `127.0.0.1:${d.discoveryPort}`) } });
});

afterAll(async () => {
  await t?.stop();
  await stopDevices?.();
});

const unicastAddresses = () => devices.map((d) => `127.0.0.1:${d.discoveryPort}`);

describe('discovery through the API', () => {
  it('finds the three devices by unicast probe within 3 s, with names, hardware and location', async () => {
    const started = Date.now();
    const r = await t.api('POST', '/api/discovery', { interfaces: [], addresses: unicastAddresses(), timeoutMs: 1500 });
    const elapsed = Date.now() - started;
    expect(r.status).toBe(200);
    expect(elapsed).toBeLessThan(3000);
    const found = r.json.devices as any[];
    expect(found.map((d) => d.name).sort()).toEqual(['Garage', 'Porch', 'Side gate']);
    for (const device of devices) {
      const d = found.find((f) => f.endpointRef === device.endpointRef);
      expect(d).toBeDefined();
      expect(d.xaddrs[0]).toBe(device.xaddr);
      expect(d.address).toBe('127.0.0.1');
      expect(d.unicast).toBe(true);
      expect(d.location).toBe('Loopback');
      expect(d.hardware).toMatch(/^SimCam \d$/);
      expect(d.added).toBe(false);
      expect(d.cameraId).toBeNull();
    }
    expect(r.json.unicastTargets).toBe(3);
  });

  it.skipIf(!multicast)('finds the three devices by multicast on lo within 3 s, attributed to the interface', async () => {
    const started = Date.now();
    const r = await t.api('POST', '/api/discovery', { interfaces: ['lo'], addresses: [], timeoutMs: 1500 });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(r.status).toBe(200);
    expect(r.json.interfaces).toEqual([{ name: 'lo', address: '127.0.0.1', error: null }]);
    const ours = (r.json.devices as any[]).filter((d) => devices.some((s) => s.endpointRef === d.endpointRef));
    expect(ours).toHaveLength(3);
    for (const d of ours) {
      expect(d.interfaces).toEqual(['lo']);
      expect(d.unicast).toBe(false);
      expect(d.name).toBeTruthy();
    }
  });

  it('uses the defaults the engine was given when the request names nothing', async () => {
    const defaults = await t.api('GET', '/api/discovery/defaults');
    expect(defaults.json.loopbackOnly).toBe(true);
    expect(defaults.json.addresses).toEqual(unicastAddresses());
    expect(defaults.json.interfaces.map((i: any) => i.name)).toEqual(multicast ? ['lo'] : []);
    const r = await t.api('POST', '/api/discovery', { timeoutMs: 1000 });
    expect(r.status).toBe(200);
    expect(r.json.devices.filter((d: any) => devices.some((s) => s.endpointRef === d.endpointRef))).toHaveLength(3);
  });

  it('marks a device as added once it is a camera, by its reference and host together', async () => {
    const [porch] = devices;
    const added = await t.api('POST', '/api/cameras', {
      onvif: { xaddr: porch.xaddr, username: 'admin', password: 'admin123', endpointRef: porch.endpointRef },
    });
    expect(added.status).toBe(201);
    const r = await t.api('POST', '/api/discovery', { interfaces: [], addresses: unicastAddresses(), timeoutMs: 1000 });
    const byRef = new Map((r.json.devices as any[]).map((d) => [d.endpointRef, d]));
    expect(byRef.get(porch.endpointRef)).toMatchObject({ added: true, cameraId: added.json.id });
    expect(byRef.get(devices[1].endpointRef)).toMatchObject({ added: false, cameraId: null });
    expect(byRef.get(devices[2].endpointRef)).toMatchObject({ added: false, cameraId: null });
  });

  it('in loopback-only mode refuses any other interface or address before sending anything', async () => {
    const eth = await t.api('POST', '/api/discovery', { interfaces: ['eth0'] });
    expect(eth.status).toBe(400);
    expect(eth.json.error.message).toMatch(/only probes loopback.*"eth0"/);
    const lan = await t.api('POST', '/api/discovery', { interfaces: [], addresses: ['192.168.1.10-20'] });
    expect(lan.status).toBe(400);
    expect(lan.json.error.message).toMatch(/192\.168\.1\.10 is not a 127\.x\.x\.x address/);
    const name = await t.api('POST', '/api/discovery', { interfaces: [], addresses: ['camera.lan'] });
    expect(name.status).toBe(400);
    const bad = await t.api('POST', '/api/discovery', { interfaces: [], addresses: ['127.0.0.1:99999'] });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/port must be 1 to 65535/);
    const tooLong = await t.api('POST', '/api/discovery', { timeoutMs: 60_000 });
    expect(tooLong.status).toBe(400);
    expect(tooLong.json.error.message).toMatch(/timeoutMs must be at most 15000/);
  });
});
