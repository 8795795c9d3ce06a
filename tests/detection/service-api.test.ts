/**
 * Detection over the public HTTP API (docs/API.md "Detection"): PUT/GET a
 * camera's detection config, events with label/score/zones/box and the
 * kind/label filters, review items and their thumbnail JPEG, the reviewed
 * flag, status counters, "events M days" on the camera, clear 4xx for bad
 * input — and a camera removed through the API takes all of it along.
 * The headless stack is real; the frame source and detectors are the
 * scripted fakes, the thumbnails real JPEGs from ffmpeg.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { startHeadless, type Headless } from '../../main/headless.ts';
import { MemorySink } from '../../main/engine/log.ts';
import { tempDir } from '../helpers/tmp.ts';
import { FAST_RECORDER } from '../helpers/engine.ts';
import { waitFor } from '../helpers/wait.ts';
import { FakeWorld } from './service-fakes.ts';
import { desktopAlert } from '../../main/electron/host-service.ts';
import type { DetectionAlert } from '../../main/engine/detection/detection-service.ts';

const tmp = tempDir('kw-detapi-');
const world = new FakeWorld({ ffmpegPath: 'ffmpeg' });
let app: Headless;

beforeAll(async () => {
  app = await startHeadless({
    dataDir: tmp.dir,
    port: 0,
    logSink: new MemorySink(),
    recorder: FAST_RECORDER,
    staticDir: null,
    detection: { parts: world.parts(), review: { gapMs: 1500 }, alertPictureWaitMs: 5000 },
  });
});
afterAll(async () => {
  await app?.stop();
  tmp.cleanup();
});

function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any; bytes: Buffer; type: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = request(
      { host: '127.0.0.1', port: app.port, method, path, headers: { Authorization: `Bearer ${app.token}`, ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          const type = String(res.headers['content-type'] ?? '');
          resolve({ status: res.statusCode ?? 0, bytes, type, json: type.includes('json') && bytes.length ? JSON.parse(bytes.toString()) : null });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Frames every 200 ms of real time, scripted motion and a person in the lower right. */
async function personWalksThrough(cameraId: number, ms: number): Promise<void> {
  const end = Date.now() + ms;
  let x = 0.55;
  while (Date.now() < end) {
    const at = Date.now();
    world.motion.set(at, [{ x: 0.5, y: 0.4, w: 0.4, h: 0.5 }]);
    world.objects.set(at, [{ label: 'person', score: 0.85, box: { x: (x += 0.004), y: 0.45, w: 0.1, h: 0.3 } }]);
    world.frame(cameraId, at, 96, 54);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function quiet(cameraId: number, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    world.frame(cameraId, Date.now(), 96, 54);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('detection over HTTP', () => {
  it('configures a camera, reports events and review items, serves the thumbnail, and forgets it all with the camera', async () => {
    const added = await call('POST', '/api/cameras', { name: 'Front', mainUrl: 'rtsp://127.0.0.1:9/front', retention: { maxAgeDays: 2, eventsMaxAgeDays: 14 } });
    expect(added.status).toBe(201);
    const id = added.json.id as number;
    expect(added.json.retention).toEqual({ maxAgeDays: 2, eventsMaxAgeDays: 14 });

    // Defaults: off, nothing running.
    const initial = await call('GET', `/api/cameras/${id}/detection`);
    expect(initial.status).toBe(200);
    expect(initial.json).toMatchObject({ cameraId: id, config: { enabled: false, fps: 5, sensitivity: 5, minDurationMs: 1000, labels: ['person', 'car', 'dog', 'cat'], alertLabels: ['person', 'car'], zones: [], masks: [] }, runtime: { state: 'off' } });

    // Bad configs are refused with the field named; nothing starts.
    const bad = await call('PUT', `/api/cameras/${id}/detection`, { enabled: true, zones: [{ id: 'Drive Way', name: 'x', polygon: [[0, 0], [1, 0], [1, 1]] }] });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/zones\.0\.id: zone ids are 1 to 40 lowercase/);
    expect((await call('PUT', `/api/cameras/${id}/detection`, '[1,2]')).status).toBe(400);
    expect((await call('PUT', '/api/cameras/999999/detection', { enabled: true })).status).toBe(404);
    expect(world.open(id)).toHaveLength(0);

    const zone = { id: 'driveway', name: 'Driveway', polygon: [[0.5, 0.5], [1, 0.5], [1, 1], [0.5, 1]] };
    const put = await call('PUT', `/api/cameras/${id}/detection`, { enabled: true, minDurationMs: 0, zones: [zone], masks: [[[0, 0], [0.2, 0], [0.2, 0.1]]], notify: true });
    expect(put.status).toBe(200);
    expect(put.json.config).toMatchObject({ enabled: true, zones: [zone], notify: true, fps: 5 });
    expect(world.open(id)).toHaveLength(1);

    const alerts: unknown[] = [];
    app.engine.on('alert', (a) => alerts.push(a));
    world.frame(id, Date.now(), 96, 54); // the object detector loads
    await waitFor(async () => (await call('GET', `/api/cameras/${id}/detection`)).json.objectsAvailable, { timeoutMs: 5000, what: 'the detector' });
    const from = Date.now() - 1000;
    await personWalksThrough(id, 2000);
    await quiet(id, 2500);
    const to = Date.now() + 1000;

    const status = await call('GET', '/api/status');
    const camStatus = status.json.cameras.find((c: { id: number }) => c.id === id);
    expect(camStatus.detection.framesProcessed).toBeGreaterThan(15);
    expect(camStatus.detection.state).toBe('running');

    const events = await call('GET', `/api/events?camera=${id}&from=${from}&to=${to}`);
    expect(events.status).toBe(200);
    const kinds = events.json.map((e: { kind: string }) => e.kind).sort();
    expect(kinds).toEqual(['motion', 'object']);
    const objects = await call('GET', `/api/events?camera=${id}&from=${from}&to=${to}&kind=object&label=person`);
    expect(objects.json).toHaveLength(1);
    expect(objects.json[0]).toMatchObject({ cameraId: id, kind: 'object', origin: 'detection', label: 'person', score: 0.85, zones: ['driveway'], source: 'keepwatch/object', topic: '' });
    expect(objects.json[0].box).toMatchObject({ y: 0.45, w: 0.1, h: 0.3 });
    expect((await call('GET', `/api/events?camera=${id}&from=${from}&to=${to}&kind=onvif`)).json).toEqual([]);
    expect((await call('GET', `/api/events?camera=${id}&from=${from}&to=${to}&kind=quake`)).status).toBe(400);

    const review = await call('GET', `/api/review?from=${from}&to=${to}&camera=${id}&severity=alert&reviewed=false`);
    expect(review.status).toBe(200);
    expect(review.json).toHaveLength(1);
    const item = review.json[0];
    expect(item).toMatchObject({ cameraId: id, severity: 'alert', labels: ['person'], zones: ['driveway'], reviewed: false });
    expect(item.end).not.toBeNull();
    expect(item.eventIds.sort()).toEqual(events.json.map((e: { id: number }) => e.id).sort());
    await waitFor(async () => (await call('GET', `/api/review/${item.id}`)).json.thumbnailId, { timeoutMs: 5000, what: 'the thumbnail' });
    const jpeg = await call('GET', `/api/review/${item.id}/thumbnail`);
    expect(jpeg.status).toBe(200);
    expect(jpeg.type).toBe('image/jpeg');
    expect(jpeg.bytes.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect((await call('GET', '/api/review/abc/thumbnail')).status).toBe(400);
    expect((await call('GET', '/api/review/999999/thumbnail')).status).toBe(404);
    await waitFor(() => alerts.length === 1, { timeoutMs: 6000, what: 'the desktop alert' });
    // What the desktop app shows for it (camera opted in with notify: true).
    const shown = desktopAlert(alerts[0] as DetectionAlert);
    expect(shown).toMatchObject({ reviewId: item.id, cameraId: id, title: 'Front', body: 'Person in driveway' });
    expect(Buffer.from(shown.jpegBase64!, 'base64').subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));

    const marked = await call('POST', `/api/review/${item.id}/reviewed`, {});
    expect(marked.status).toBe(200);
    expect(marked.json.reviewed).toBe(true);
    expect((await call('GET', `/api/review?from=${from}&to=${to}&camera=${id}&reviewed=false`)).json).toEqual([]);
    expect((await call('POST', `/api/review/${item.id}/reviewed`, { reviewed: false })).json.reviewed).toBe(false);

    const cam = await call('GET', `/api/cameras/${id}`);
    expect(cam.json.storage).toHaveProperty('eventDaysKept');

    // Removed: detection stops, and the camera's events, review items and pictures go with it.
    expect((await call('DELETE', `/api/cameras/${id}`)).status).toBe(200);
    expect(world.open(id)).toHaveLength(0);
    expect((await call('GET', `/api/review?from=${from}&to=${to}`)).json).toEqual([]);
    expect((await call('GET', `/api/events?from=${from}&to=${to}`)).json).toEqual([]);
    expect((await call('GET', `/api/review/${item.id}/thumbnail`)).status).toBe(404);
    expect((await call('GET', `/api/cameras/${id}/detection`)).status).toBe(404);
  });
});
