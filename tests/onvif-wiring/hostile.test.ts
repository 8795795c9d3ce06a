/**
 * Issue 3, test 6 at the API level (the protocol layer's 50+ malformed and
 * hostile payloads are in tests/onvif/hostile.test.ts): an ONVIF device
 * cannot point a camera's stream at anything but RTSP on its own host, cannot
 * smuggle its identity into an existing camera, and hostile replies end in a
 * clean API error with the engine still running.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { nodeProcessRunner, type ProcessRunner } from '../../main/engine/ingest/process-runner.ts';
import { closedPort, startDevices, startTestApp, type TestApp } from './helpers.ts';
import type { SimOnvifOptions } from '../../main/sim-onvif/index.ts';

let t: TestApp;
let dead: number;
const spawned: string[][] = [];
const runner: ProcessRunner = {
  spawn(command, args) {
    spawned.push([...args]);
    return nodeProcessRunner.spawn(command, args);
  },
};
const stops: Array<() => Promise<void>> = [];

beforeAll(async () => {
  dead = await closedPort();
  t = await startTestApp({ runner });
});

afterAll(async () => {
  await t?.stop();
  for (const stop of stops) await stop();
});

async function device(options: SimOnvifOptions) {
  const { devices, stop } = await startDevices([options]);
  stops.push(stop);
  return devices[0];
}

const oneProfile = (rtspUri: string, extra: Partial<{ token: string }> = {}) => [
  { token: extra.token ?? 'main', name: 'Main', encoding: 'H264' as const, width: 1280, height: 720, fps: 25, rtspUri },
];
const cameras = async () => (await t.api('GET', '/api/cameras')).json as any[];
const addOnvif = (xaddr: string, extra: Record<string, unknown> = {}) =>
  t.api('POST', '/api/cameras', { onvif: { xaddr, username: 'admin', password: 'admin123', ...extra } });

describe('a device cannot point a stream at anything but RTSP', () => {
  it.each([
    ['file:///etc/passwd', /only rtsp:\/\/ and rtsps:\/\/ addresses are accepted, not file:/],
    ['http://127.0.0.1/stream.mjpg', /only rtsp:\/\/ and rtsps:\/\/ addresses are accepted, not http:/],
    ['concat:/etc/passwd|/etc/shadow', /only rtsp|not a valid URL/],
    ['pipe:0', /only rtsp|not a valid URL/],
    ['-i /etc/passwd', /starts with "-"/],
    ['rtsp://127.0.0.1/a\n-f lavfi', /spaces or control characters/],
    ['rtsp://someoneelse:secret@127.0.0.1/cam', /login details for someone else/],
    ['rtsp://127.0.0.1/cam#frag', /#fragment/],
  ])('%j is refused with a clear message, and nothing is added or spawned', async (uri, why) => {
    const d = await device({ name: 'Evil', profiles: oneProfile(uri) });
    const before = (await cameras()).length;
    const spawnedBefore = spawned.length;
    const r = await addOnvif(d.xaddr);
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/^The camera's stream address for profile "main" is not usable: /);
    expect(r.json.error.message).toMatch(why);
    expect(r.json.error.message).not.toContain('secret');
    expect((await cameras()).length).toBe(before);
    expect(spawned.length).toBe(spawnedBefore);
    const probe = await t.api('POST', '/api/onvif/probe', { xaddr: d.xaddr, username: 'admin', password: 'admin123' });
    expect(probe.status).toBe(400);
  });

  it('a hostile sub stream only costs the sub stream', async () => {
    const d = await device({
      name: 'Half evil',
      profiles: [
        ...oneProfile(`rtsp://127.0.0.1:${dead}/main`),
        { token: 'sub', name: 'Sub', encoding: 'H264', width: 640, height: 360, fps: 15, rtspUri: 'file:///etc/passwd' },
      ],
    });
    const r = await addOnvif(d.xaddr);
    expect(r.status).toBe(201);
    expect(r.json.subUrl).toBeNull();
    expect(r.json.onvif.warnings.join(' ')).toMatch(/No sub stream: .*not file:/);
    expect(spawned.flat().join(' ')).not.toContain('/etc/passwd');
  });

  it('a stream address on another host is pinned to the device that was onboarded', async () => {
    const d = await device({ name: 'Redirector', profiles: oneProfile('rtsp://10.20.30.40:8554/elsewhere') });
    const r = await addOnvif(d.xaddr);
    expect(r.status).toBe(201);
    expect(r.json.mainUrl).toBe('rtsp://127.0.0.1:8554/elsewhere');
    expect(spawned.flat().some((a) => a.includes('10.20.30.40'))).toBe(false);
  });

  it('PATCHing profiles goes through the same checks', async () => {
    const d = await device({
      name: 'Switcher',
      profiles: [...oneProfile(`rtsp://127.0.0.1:${dead}/ok`), { token: 'bad', name: 'Bad', encoding: 'H264', width: 640, height: 360, fps: 15, rtspUri: 'file:///etc/passwd' }],
    });
    const added = await addOnvif(d.xaddr);
    const r = await t.api('PATCH', `/api/cameras/${added.json.id}/onvif`, { mainProfile: 'bad', subProfile: null });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/stream address for profile "bad" is not usable: .*not file:/);
    expect((await t.api('GET', `/api/cameras/${added.json.id}`)).json.mainUrl).toBe(`rtsp://127.0.0.1:${dead}/ok`);
  });
});

describe('a device cannot smuggle its identity into an existing camera', () => {
  it('a device on another host claiming a camera\'s endpoint reference and serial becomes a separate camera', async () => {
    const original = await device({ name: 'Front door', serial: 'SN-1', profiles: oneProfile(`rtsp://127.0.0.1:${dead}/front`) });
    const added = await addOnvif(original.xaddr, { endpointRef: original.endpointRef });
    expect(added.status).toBe(201);
    const camera = (await t.api('GET', `/api/cameras/${added.json.id}`)).json;
    const onvif = (await t.api('GET', `/api/cameras/${added.json.id}/onvif`)).json;

    // Same reference, same serial, the original's stream path; but it answers on "localhost", another host.
    const impostor = await device({
      name: 'Impostor',
      serial: 'SN-1',
      manufacturer: 'Evil',
      endpointRef: original.endpointRef,
      profiles: oneProfile(`rtsp://127.0.0.1:${dead}/front`),
    });
    const xaddr = impostor.xaddr.replace('127.0.0.1', 'localhost');
    const probe = await t.api('POST', '/api/onvif/probe', { xaddr, username: 'admin', password: 'admin123', endpointRef: original.endpointRef });
    expect(probe.json.existingCamera).toBeNull();
    const second = await addOnvif(xaddr, { endpointRef: original.endpointRef });
    expect(second.status).toBe(201);
    expect(second.json.id).not.toBe(added.json.id);
    // Its stream is pinned to its own host: it cannot pass the original's stream off as its own.
    expect(second.json.mainUrl).toBe(`rtsp://localhost:${dead}/front`);

    const after = (await t.api('GET', `/api/cameras/${added.json.id}`)).json;
    expect({ ...after, status: null, storage: null }).toEqual({ ...camera, status: null, storage: null });
    expect((await t.api('GET', `/api/cameras/${added.json.id}/onvif`)).json).toEqual({ ...onvif, events: expect.anything() });
  });

  it('the same device on the same host is refused as a duplicate, leaving the camera as it was', async () => {
    const original = await device({ name: 'Yard', profiles: oneProfile(`rtsp://127.0.0.1:${dead}/yard`) });
    const added = await addOnvif(original.xaddr, { endpointRef: original.endpointRef });
    const before = (await t.api('GET', `/api/cameras/${added.json.id}/onvif`)).json;
    // Another port on the same host, claiming the same reference, with a new stream and a new login.
    const twin = await device({ name: 'Yard twin', endpointRef: original.endpointRef, password: 'other', profiles: oneProfile(`rtsp://127.0.0.1:${dead}/twin`) });
    const r = await addOnvif(twin.xaddr, { endpointRef: original.endpointRef, password: 'other' });
    expect(r.status).toBe(409);
    expect(r.json.error.message).toBe(`this device is already added as camera "${added.json.name}" (id ${added.json.id})`);
    expect((await t.api('GET', `/api/cameras/${added.json.id}/onvif`)).json).toEqual({ ...before, events: expect.anything() });
    expect((await t.api('GET', `/api/cameras/${added.json.id}`)).json.mainUrl).toBe(`rtsp://127.0.0.1:${dead}/yard`);
  });
});

describe('hostile replies end in a clean error and the engine keeps running', () => {
  const laughs =
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>' +
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>&lol2;</s:Body></s:Envelope>';
  const xxe =
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' +
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><x>&xxe;</x></s:Body></s:Envelope>';

  it.each([
    ['billion laughs', () => ({ body: laughs }), 503],
    ['external entity', () => ({ body: xxe }), 503],
    ['10 MB reply', () => ({ body: Buffer.alloc(10 * 1024 * 1024, 'a') }), 503],
    ['truncated envelope', () => ({ body: '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><tds:GetDev' }), 503],
    ['HTML error page', () => ({ status: 500, body: '<html><body>Internal error</body></html>', contentType: 'text/html' }), 503],
  ])('%s for GetDeviceInformation', async (_label, reply, status) => {
    const d = await device({ name: 'Broken', replyOverride: (op) => (op === 'GetDeviceInformation' ? reply() : undefined) });
    const before = (await cameras()).length;
    const r = await addOnvif(d.xaddr);
    expect(r.status).toBe(status);
    expect(r.json.error.message).toMatch(/\w/);
    expect(r.json.error.message.length).toBeLessThan(300);
    expect(r.json.error.message).not.toMatch(/root:|lollol/);
    expect((await cameras()).length).toBe(before);
    expect((await t.api('GET', '/api/health')).status).toBe(200);
  });

  it('device text is cleaned before it becomes a camera name', async () => {
    const d = await device({ name: 'Noisy', manufacturer: 'Acme\u0000\u001b[31m', model: 'X'.repeat(300), profiles: oneProfile(`rtsp://127.0.0.1:${dead}/noisy`) });
    const r = await addOnvif(d.xaddr);
    expect(r.status).toBe(201);
    expect(r.json.name.length).toBeLessThanOrEqual(100);
    expect(r.json.name).not.toMatch(/[\u0000-\u001f]/);
    expect(r.json.name.startsWith('Acme')).toBe(true);
  });
});
