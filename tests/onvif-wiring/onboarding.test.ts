/**
 * Issue 3, tests 2 and 3 through the HTTP API.
 *  2. A device whose clock is 3 h off is onboarded by POST /api/cameras; the
 *     camera records its main profile (segments indexed) and stores its sub
 *     profile; preview, snapshots and the profile choice work.
 *  3. Wrong password, unreachable address, no media service, no profiles and
 *     an HTTPS-only device get their specific messages, and nothing is added.
 * The device's streams are a simulated GStreamer RTSP camera on loopback.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startSimCameras, type SimCameraSet } from '../sim/cameras.ts';
import { makeSelfSignedCert } from '../onvif/helpers/tls-cert.ts';
import { waitFor } from '../helpers/wait.ts';
import { closedPort, grabJpeg, isJpeg, profilesFor, startDevices, startJpegServer, startTestApp, type TestApp } from './helpers.ts';
import type { SimOnvifDevice } from '../../main/sim-onvif/index.ts';

const THREE_HOURS = 3 * 3600_000;

let t: TestApp;
let sims: SimCameraSet;
let porch: SimOnvifDevice;
let jpeg: Buffer;
const cleanups: Array<() => Promise<void>> = [];
let cameraId: number;

beforeAll(async () => {
  sims = await startSimCameras([{ color: 4, sub: true }]);
  const cam = sims.cameras[0];
  jpeg = await grabJpeg(cam.subUrl!);
  const snapshots = await startJpegServer(jpeg);
  cleanups.push(snapshots.close);
  const started = await startDevices([
    { name: 'Porch', manufacturer: 'Acme', model: 'PTZ-9', clockOffsetMs: THREE_HOURS, profiles: profilesFor(cam.mainUrl, cam.subUrl), snapshotUri: snapshots.uri },
  ]);
  porch = started.devices[0];
  cleanups.push(started.stop);
  t = await startTestApp();
}, 90_000);

afterAll(async () => {
  await t?.stop();
  for (const cleanup of cleanups) await cleanup();
  await sims?.stopAll();
});

const login = (extra: Record<string, unknown> = {}) => ({ xaddr: porch.xaddr, username: 'admin', password: 'admin123', ...extra });
const cameraCount = async () => (await t.api('GET', '/api/cameras')).json.length as number;

describe('onboarding a device whose clock is 3 hours off', () => {
  it('previews it: device info, profiles, the automatic choice and a picture from the camera', async () => {
    const r = await t.api('POST', '/api/onvif/probe', login({ endpointRef: porch.endpointRef }));
    expect(r.status).toBe(200);
    expect(r.json.device).toMatchObject({ manufacturer: 'Acme', model: 'PTZ-9' });
    expect(Math.abs(r.json.clockOffsetMs - THREE_HOURS)).toBeLessThan(5000);
    expect(r.json.profiles.map((p: any) => p.token)).toEqual(['profile_main', 'profile_sub', 'profile_mjpeg']);
    expect(r.json.recordableProfiles).toEqual(['profile_main', 'profile_sub']);
    expect(r.json).toMatchObject({ mainProfile: 'profile_main', subProfile: 'profile_sub', ptz: true, events: true, existingCamera: null, suggestedName: 'Acme PTZ-9' });
    expect(r.json.snapshot.source).toBe('onvif');
    expect(r.json.snapshot.dataUrl.startsWith('data:image/jpeg;base64,')).toBe(true);
    expect(Buffer.from(r.json.snapshot.dataUrl.split(',')[1], 'base64').equals(jpeg)).toBe(true);
    expect(await cameraCount()).toBe(0);
  });

  it('adds it with POST /api/cameras: 201, source onvif, profiles and stream URLs, no credentials', async () => {
    const r = await t.api('POST', '/api/cameras', { name: 'Porch', onvif: login({ endpointRef: porch.endpointRef }) });
    expect(r.status).toBe(201);
    cameraId = r.json.id;
    expect(r.json).toMatchObject({ name: 'Porch', source: 'onvif', mainUrl: sims.cameras[0].mainUrl, subUrl: sims.cameras[0].subUrl, hasCredentials: true });
    expect(r.json.onvif).toMatchObject({
      cameraId,
      xaddr: porch.xaddr,
      endpointRef: porch.endpointRef,
      mainProfile: 'profile_main',
      subProfile: 'profile_sub',
      mainStreamUrl: sims.cameras[0].mainUrl,
      subStreamUrl: sims.cameras[0].subUrl,
      ptz: true,
      snapshot: true,
    });
    expect(r.json.onvif.events.supported).toBe(true);
    expect(r.bytes.toString()).not.toContain('admin123');
  });

  it('records the main profile (segments indexed) and runs the stored sub profile', async () => {
    const segments = await waitFor(
      async () => {
        const r = await t.api('GET', `/api/recordings?camera=${cameraId}&from=${Date.now() - 3600_000}&to=${Date.now() + 60_000}`);
        return r.json.length >= 2 ? r.json : null;
      },
      { timeoutMs: 30_000, what: 'two indexed segments' },
    );
    // The simulated camera's main stream is 640x360, its sub 320x180.
    expect(segments[0]).toMatchObject({ cameraId, stream: 'main', width: 640, height: 360, codec: expect.stringMatching(/h264|avc/i) });
    const camera = await waitFor(
      async () => {
        const c = (await t.api('GET', `/api/cameras/${cameraId}`)).json;
        return c.streams.find((s: any) => s.kind === 'sub')?.width ? c : null;
      },
      { timeoutMs: 20_000, what: 'the sub stream to connect' },
    );
    expect(camera.status.state).toBe('recording');
    expect(camera.streams.find((s: any) => s.kind === 'sub')).toMatchObject({ url: sims.cameras[0].subUrl, width: 320, height: 180 });
    const onvif = await t.api('GET', `/api/cameras/${cameraId}/onvif`);
    expect(onvif.json).toMatchObject({ subProfile: 'profile_sub', subStreamUrl: sims.cameras[0].subUrl, device: { manufacturer: 'Acme', model: 'PTZ-9' } });
    expect(Math.abs(onvif.json.clockOffsetMs - THREE_HOURS)).toBeLessThan(5000);
  }, 60_000);

  it('serves its snapshot as a JPEG and as a data URL, without exposing the camera address', async () => {
    const raw = await t.api('GET', `/api/cameras/${cameraId}/snapshot`);
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toBe('image/jpeg');
    expect(raw.bytes.equals(jpeg)).toBe(true);
    const data = await t.api('GET', `/api/cameras/${cameraId}/snapshot/data`);
    expect(data.json.source).toBe('onvif');
    expect(JSON.stringify(data.json)).not.toMatch(/snapshot\.jpg|admin123/);
    const missing = await t.api('GET', '/api/cameras/999/snapshot');
    expect(missing.status).toBe(404);
  });

  it('refuses to add the same device twice', async () => {
    const again = await t.api('POST', '/api/cameras', { onvif: login() });
    expect(again.status).toBe(409);
    expect(again.json.error.message).toBe(`this device is already added as camera "Porch" (id ${cameraId})`);
    const probe = await t.api('POST', '/api/onvif/probe', login());
    expect(probe.json.existingCamera).toEqual({ id: cameraId, name: 'Porch' });
  });

  it('lets the user choose other profiles, and refuses ones that cannot be recorded', async () => {
    const mjpeg = await t.api('PATCH', `/api/cameras/${cameraId}/onvif`, { mainProfile: 'profile_mjpeg', subProfile: null });
    expect(mjpeg.status).toBe(400);
    expect(mjpeg.json.error.message).toBe('profile "Mjpeg" is JPEG, not H.264 or H.265, so it cannot be the main stream');
    const unknown = await t.api('PATCH', `/api/cameras/${cameraId}/onvif`, { mainProfile: 'nope', subProfile: null });
    expect(unknown.json.error.message).toBe('the camera has no profile "nope" (for the main stream)');
    const noSub = await t.api('PATCH', `/api/cameras/${cameraId}/onvif`, { mainProfile: 'profile_main', subProfile: null });
    expect(noSub.status).toBe(200);
    expect(noSub.json).toMatchObject({ mainProfile: 'profile_main', subProfile: null, subStreamUrl: null });
    expect((await t.api('GET', `/api/cameras/${cameraId}`)).json.subUrl).toBeNull();
    const back = await t.api('PATCH', `/api/cameras/${cameraId}/onvif`, { mainProfile: 'profile_main', subProfile: 'profile_sub' });
    expect(back.json).toMatchObject({ subProfile: 'profile_sub', subStreamUrl: sims.cameras[0].subUrl });
  });

  it('never logged the password', () => {
    expect(t.logs.lines.join('\n')).not.toContain('admin123');
  });
});

describe('specific messages when onboarding fails', () => {
  it('wrong password', async () => {
    const before = await cameraCount();
    for (const path of ['/api/cameras', '/api/onvif/probe']) {
      const body = path === '/api/cameras' ? { onvif: login({ password: 'wrong' }) } : login({ password: 'wrong' });
      const r = await t.api('POST', path, body);
      expect(r.status).toBe(400);
      expect(r.json.error.message).toBe('The camera rejected the username or password');
    }
    expect(await cameraCount()).toBe(before);
  });

  it('unreachable address', async () => {
    const port = await closedPort();
    const r = await t.api('POST', '/api/cameras', { onvif: { xaddr: `127.0.0.1:${port}`, username: 'admin', password: 'x' } });
    expect(r.status).toBe(503);
    expect(r.json.error.message).toBe(`Could not connect to 127.0.0.1:${port}: connection refused`);
  });

  it('device without media service, and device without profiles', async () => {
    const { devices, stop } = await startDevices([{ name: 'Doorbell', noMedia: true }, { name: 'Blank', profiles: [] }]);
    try {
      const before = await cameraCount();
      const noMedia = await t.api('POST', '/api/cameras', { onvif: { xaddr: devices[0].xaddr, username: 'admin', password: 'admin123' } });
      expect(noMedia.status).toBe(400);
      expect(noMedia.json.error.message).toBe('The device has no media service, so it has no video streams to record');
      const noProfiles = await t.api('POST', '/api/cameras', { onvif: { xaddr: devices[1].xaddr, username: 'admin', password: 'admin123' } });
      expect(noProfiles.status).toBe(400);
      expect(noProfiles.json.error.message).toBe('The camera returned no video profiles; set up a stream in its web page first');
      expect(await cameraCount()).toBe(before);
    } finally {
      await stop();
    }
  });

  it('HTTPS-only device: says to use https://, refuses an untrusted certificate unless the user accepts it', async (ctx) => {
    const tls = makeSelfSignedCert();
    if (!tls) ctx.skip('openssl is not available to make a test certificate');
    const { devices, stop } = await startDevices([{ name: 'Secure', tls, profiles: profilesFor('rtsps://127.0.0.1:8322/main') }]);
    try {
      const http = await t.api('POST', '/api/cameras', { onvif: { xaddr: devices[0].xaddr.replace('https:', 'http:'), username: 'admin', password: 'admin123' } });
      expect(http.status).toBe(400);
      expect(http.json.error.message).toMatch(/only accepts encrypted HTTPS connections; use an https:\/\/ address for it$/);
      const untrusted = await t.api('POST', '/api/onvif/probe', { xaddr: devices[0].xaddr, username: 'admin', password: 'admin123' });
      expect(untrusted.status).toBe(400);
      expect(untrusted.json.error.message).toMatch(/its certificate is not trusted/);
      const accepted = await t.api('POST', '/api/onvif/probe', { xaddr: devices[0].xaddr, username: 'admin', password: 'admin123', acceptSelfSigned: true });
      expect(accepted.status).toBe(200);
      expect(accepted.json.device.model).toBe('SimCam 1');
    } finally {
      await stop();
    }
  });

  it('input errors name the field of the variant meant', async () => {
    const both = await t.api('POST', '/api/cameras', { name: 'x', mainUrl: 'rtsp://127.0.0.1/a', onvif: login() });
    expect(both.json.error.message).toBe('input: give either "mainUrl" (an RTSP camera) or "onvif" (an ONVIF device), not both');
    const file = await t.api('POST', '/api/cameras', { onvif: { xaddr: 'file:///etc/passwd', username: '', password: '' } });
    expect(file.json.error.message).toBe('onvif.xaddr: ONVIF addresses are http:// or https://, not file://');
    const rtsp = await t.api('POST', '/api/cameras', { name: 'x', mainUrl: 'file:///etc/passwd' });
    expect(rtsp.json.error.message).toBe('mainUrl: only rtsp:// and rtsps:// URLs are accepted, not file://');
    const extra = await t.api('POST', '/api/cameras', { onvif: { ...login(), shell: 'rm -rf /' } });
    expect(extra.json.error.message).toBe('onvif: unknown field(s) "shell"');
  });
});
