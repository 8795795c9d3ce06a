/**
 * The demo's ONVIF cameras (main/demo-onvif): found by a loopback-only
 * engine through unicast, onboarded through the API, and recorded from the
 * demo's own RTSP relay (ffmpeg only, no GStreamer); the relay's encoder stops
 * once nobody watches.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startDemoOnvifDevices, type DemoOnvif } from '../../main/demo-onvif/demo-devices.ts';
import { waitFor } from '../helpers/wait.ts';
import { isJpeg, startTestApp, type TestApp } from './helpers.ts';

let demo: DemoOnvif;
let t: TestApp;

beforeAll(async () => {
  // Fixed ports in the demo; a random base here so a running demo cannot collide with the test.
  for (let attempt = 0; !demo; attempt++) {
    try {
      demo = await startDemoOnvifDevices({ ffmpegPath: 'ffmpeg', basePort: 20000 + Math.floor(Math.random() * 20000) });
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
  t = await startTestApp({ onvif: { loopbackOnly: true, suggestedAddresses: demo.addresses } });
}, 60_000);

afterAll(async () => {
  await t?.stop();
  await demo?.stop();
});

describe('the demo ONVIF cameras', () => {
  it('are found by the loopback-only engine with its default addresses', async () => {
    const r = await t.api('POST', '/api/discovery', {});
    expect(r.status).toBe(200);
    expect((r.json.devices as any[]).map((d) => d.name).sort()).toEqual(['Loading dock', 'Lobby', 'Parking lot']);
    expect(demo.relay.running()).toEqual([]);
  });

  it('record from the demo relay once added, and their snapshot is a real picture', async () => {
    const add = await t.api('POST', '/api/cameras', { onvif: { xaddr: demo.devices[0].xaddr, username: 'admin', password: 'admin123' } });
    expect(add.status).toBe(201);
    expect(add.json).toMatchObject({ name: 'Keepwatch Sim SimCam PTZ 2', mainUrl: demo.relay.url('/cam1/main'), subUrl: demo.relay.url('/cam1/sub') });
    const id = add.json.id;
    const segments = await waitFor(
      async () => {
        const r = await t.api('GET', `/api/recordings?camera=${id}&from=${Date.now() - 600_000}&to=${Date.now() + 60_000}`);
        return r.json.length >= 1 ? r.json : null;
      },
      { timeoutMs: 30_000, what: 'a segment recorded from the relay' },
    );
    expect(segments[0]).toMatchObject({ width: 960, height: 540 });
    expect(demo.relay.running().sort()).toEqual(['/cam1/main', '/cam1/sub']);
    const snapshot = await t.api('GET', `/api/cameras/${id}/snapshot`);
    expect(snapshot.headers.get('x-snapshot-source')).toBe('onvif');
    expect(isJpeg(snapshot.bytes)).toBe(true);
    expect(snapshot.bytes.length).toBeGreaterThan(5000);

    await t.api('DELETE', `/api/cameras/${id}`);
    await waitFor(() => demo.relay.running().length === 0, { timeoutMs: 20_000, what: 'the relay to stop its encoders' });
  }, 60_000);
});
