/**
 * Issue 9, test 1: nothing outlives its camera.
 *
 * Camera A has a live viewer, recordings, thumbnails and an event. A is
 * deleted and camera B added. The old viewer is closed within 1 s with the
 * "gone" code and a reason, and every byte it ever received decodes to A's
 * colour; B gets a new id; no recording, thumbnail, event or live id of A
 * ever answers with B's data — also after a restart, when camera C is added.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startHeadless, type Headless } from '../../main/headless.ts';
import { LIVE_CLOSE } from '../../preload/api.ts';
import { startSimCameras, type SimCameraSet } from '../sim/cameras.ts';
import { fileSignature } from '../sim/signature.ts';
import { tempDir } from '../helpers/tmp.ts';
import { FAST_RECORDER } from '../helpers/engine.ts';
import { waitFor } from '../helpers/wait.ts';
import { makeClips } from '../live/browser-fixture.ts';
import { upgradeStatus } from '../helpers/test-server.ts';

const COLOURS = [1, 5, 3]; // A (and later C), B, D: far apart in the palette
const tmp = tempDir('kw-identity-');
const dataDir = join(tmp.dir, 'data');
let sims: SimCameraSet;
let app: Headless;

async function start(): Promise<Headless> {
  const headless = await startHeadless({ dataDir, port: 0, staticDir: null, recorder: FAST_RECORDER, logSink: { write() {} }, thumbnails: { background: false } });
  headless.engine.updateSettings({ segmentSeconds: 2, freeSpaceFloorBytes: 0 });
  return headless;
}

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`http://127.0.0.1:${app.port}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${app.token}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) },
  });
}

async function addCamera(name: string, sim: number): Promise<number> {
  const res = await api('/api/cameras', { method: 'POST', body: JSON.stringify({ name, mainUrl: sims.cameras[sim].mainUrl }) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: number }).id;
}

async function recordingIds(camera: number): Promise<number[]> {
  const res = await api(`/api/recordings?camera=${camera}&from=${Date.now() - 3_600_000}&to=${Date.now() + 60_000}`);
  if (res.status !== 200) return [];
  return ((await res.json()) as { id: number }[]).map((r) => r.id);
}

async function colourOfMedia(id: number): Promise<number | null> {
  const res = await api(`/api/recordings/${id}/media`);
  if (res.status !== 200) return null;
  const file = join(tmp.dir, `rec-${id}-${Date.now()}.mp4`);
  writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  const sig = await fileSignature(file, { fps: 2 });
  return sig.consistent ? sig.indices[0] : -1;
}

beforeAll(async () => {
  const clips = join(tmp.dir, 'clips');
  mkdirSync(clips);
  sims = await startSimCameras(await makeClips(clips, COLOURS.map((color) => ({ color }))));
  app = await start();
}, 90_000);

afterAll(async () => {
  await app?.stop();
  await sims?.stopAll();
  tmp.cleanup();
}, 30_000);

describe('nothing outlives its camera', () => {
  it('closes the old viewer at once, and no id of the old camera ever names the new one', async () => {
    const a = await addCamera('A', 0);
    const aRecordings = await waitFor(async () => ((await recordingIds(a)).length >= 2 ? recordingIds(a) : null), {
      timeoutMs: 40_000,
      what: "two of A's recordings",
    });
    const aEvent = app.engine.store.onvif.insertEvent({ cameraId: a, kind: 'motion', start: Date.now() - 1000, source: 'test', topic: 'test' });
    const aThumb = `${aRecordings[0]}-0`;
    expect((await api(`/api/thumbnails/${aThumb}`)).status).toBe(200);

    // A live viewer of A, holding everything it receives.
    const received: Buffer[] = [];
    const ws = new WebSocket(`ws://127.0.0.1:${app.port}/api/live/${a}/main`, { headers: { Authorization: `Bearer ${app.token}` } });
    ws.on('message', (data: Buffer, binary: boolean) => binary && received.push(Buffer.from(data)));
    const closed = new Promise<{ code: number; reason: string; at: number }>((r) =>
      ws.once('close', (code, reason) => r({ code, reason: reason.toString(), at: Date.now() })),
    );
    await waitFor(() => received.length >= 4, { timeoutMs: 20_000, what: 'live fragments of A' });

    // A low-latency viewer of A (the maximised view): its feed switches to A's express connection.
    const runs: Buffer[][] = [];
    const fast = new WebSocket(`ws://127.0.0.1:${app.port}/api/live/${a}/main?latency=low`, { headers: { Authorization: `Bearer ${app.token}` } });
    fast.on('message', (data: Buffer, binary: boolean) => (binary ? runs.at(-1)?.push(Buffer.from(data)) : runs.push([])));
    const fastClosed = new Promise<number>((r) => fast.once('close', (code) => r(code)));
    await waitFor(() => app.live.stats().express[`${a}/main`]?.active && runs.length >= 2 && runs[1].length >= 16, {
      timeoutMs: 20_000,
      what: "A's express connection feeding the low-latency viewer",
    });

    // Delete A; the viewer must be closed within a second, saying why.
    const deleted = await api(`/api/cameras/${a}`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    const deletedAt = Date.now();
    const close = await Promise.race([closed, new Promise<null>((r) => setTimeout(() => r(null), 1000))]);
    expect(close, 'the old viewer was not closed within 1 s').not.toBeNull();
    expect(close!.code).toBe(LIVE_CLOSE.gone);
    expect(close!.reason).toMatch(/removed/);
    expect(close!.at - deletedAt).toBeLessThan(1000);
    const bytesAtClose = received.length;
    expect(await Promise.race([fastClosed, new Promise<null>((r) => setTimeout(() => r(null), 1000))])).toBe(LIVE_CLOSE.gone);
    const fastAtClose = runs.flat().length;
    await waitFor(() => app.engine.supervisor.expressCount === 0, { timeoutMs: 5000, what: "A's express connection stopped" });
    expect(app.live.stats().express).toEqual({});

    // B, added right after, gets a new id and records.
    const b = await addCamera('B', 1);
    expect(b).not.toBe(a);
    expect(b).toBeGreaterThan(a);
    const bRecordings = await waitFor(async () => ((await recordingIds(b)).length >= 1 ? recordingIds(b) : null), {
      timeoutMs: 40_000,
      what: "B's first recording",
    });
    expect(bRecordings.every((id) => !aRecordings.includes(id))).toBe(true);
    expect(await colourOfMedia(bRecordings[0])).toBe(COLOURS[1]);

    // The old viewer got nothing after its close, and all it got was A.
    expect(received.length).toBe(bytesAtClose);
    const file = join(tmp.dir, 'old-viewer.mp4');
    writeFileSync(file, Buffer.concat(received));
    const sig = await fileSignature(file, { fps: 2 });
    expect(sig.consistent).toBe(true);
    expect(sig.indices[0]).toBe(COLOURS[0]);
    // The low-latency viewer too: nothing after its close, and its express run is A's picture.
    expect(runs.flat().length).toBe(fastAtClose);
    const expressFile = join(tmp.dir, 'old-express-viewer.mp4');
    writeFileSync(expressFile, Buffer.concat(runs[1])); // the run the switch began (a switch back or an 'offline' may follow, before the close)
    const expressSig = await fileSignature(expressFile, { fps: 2 });
    expect(expressSig.consistent).toBe(true);
    expect(expressSig.indices[0]).toBe(COLOURS[0]);

    // Every id of A is gone for good: media, index, thumbnails, events, live.
    const assertAGone = async () => {
      for (const id of aRecordings) {
        expect((await api(`/api/recordings/${id}/media`)).status).toBe(404);
        expect((await api(`/api/recordings/${id}/index`)).status).toBe(404);
      }
      expect((await api(`/api/thumbnails/${aThumb}`)).status).toBe(404);
      expect((await api(`/api/cameras/${a}`)).status).toBe(404);
      expect((await api(`/api/recordings?camera=${a}&from=${Date.now() - 3_600_000}&to=${Date.now()}`)).status).toBe(404);
      const events = (await (await api(`/api/events?from=${Date.now() - 3_600_000}&to=${Date.now() + 1000}`)).json()) as { id: number; cameraId: number }[];
      expect(Array.isArray(events)).toBe(true);
      expect(events.some((e) => e.id === aEvent)).toBe(false);
      expect(await upgradeStatus(`ws://127.0.0.1:${app.port}/api/live/${a}/main`, { Authorization: `Bearer ${app.token}` })).toBe(404);
    };
    await assertAGone();

    // After a restart: still nothing of A, and the next camera's id is new again.
    await app.stop();
    app = await start();
    await assertAGone();
    const c = await addCamera('C', 0);
    expect(c).toBeGreaterThan(b);
    const cRecordings = await waitFor(async () => ((await recordingIds(c)).length >= 1 ? recordingIds(c) : null), {
      timeoutMs: 40_000,
      what: "C's first recording",
    });
    expect(cRecordings.every((id) => !aRecordings.includes(id) && !bRecordings.includes(id))).toBe(true);
    // B's recordings still answer with B's own pictures.
    expect(await colourOfMedia(bRecordings[0])).toBe(COLOURS[1]);
    const newEvent = app.engine.store.onvif.insertEvent({ cameraId: c, kind: 'motion', start: Date.now(), source: 'test', topic: 'test' });
    expect(newEvent).toBeGreaterThan(aEvent);
  }, 180_000);

  it('closes the viewers of a camera that is switched off, saying so', async () => {
    const d = await addCamera('D', 2);
    await waitFor(() => app.engine.store.listStreams(d).every((s) => s.codec !== null), { timeoutMs: 30_000, what: 'D streaming' });
    const ws = new WebSocket(`ws://127.0.0.1:${app.port}/api/live/${d}/main`, { headers: { Authorization: `Bearer ${app.token}` } });
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.once('close', (code, reason) => r({ code, reason: reason.toString() })));
    await new Promise((r) => ws.once('open', r));
    const res = await api(`/api/cameras/${d}`, { method: 'PATCH', body: JSON.stringify({ enabled: false }) });
    expect(res.status).toBe(200);
    const t0 = Date.now();
    const close = await closed;
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(close).toEqual({ code: LIVE_CLOSE.gone, reason: 'the camera was switched off' });
  }, 60_000);
});
