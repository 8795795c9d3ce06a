/**
 * Issue 3, tests 4 and 5 through the HTTP API.
 *  4. PTZ move/stop/zoom/preset/home calls reach the device with the right values.
 *  5. A motion event raised by the device lands in the events table and in
 *     GET /api/events; the subscription survives a device restart; removing
 *     the camera unsubscribes.
 * No video is needed here: the cameras' streams point at a closed port.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import { closedPort, startDevices, startTestApp, type TestApp } from './helpers.ts';
import type { SimOnvifDevice } from '../../main/sim-onvif/index.ts';
import { databaseOf } from '../../main/engine/storage/store.ts';

let t: TestApp;
let device: SimOnvifDevice;
let fixed: SimOnvifDevice;
let stopDevices: () => Promise<void>;
let cameraId: number;
let fixedId: number;

beforeAll(async () => {
  const dead = await closedPort();
  const profile = (n: string) => [{ token: 'main', name: 'Main', encoding: 'H264' as const, width: 1920, height: 1080, fps: 25, rtspUri: `rtsp://127.0.0.1:${dead}/${n}` }];
  const started = await startDevices([
    { name: 'Dome', clockOffsetMs: -2 * 3600_000, profiles: profile('dome') },
    { name: 'Fixed', noPtz: true, noEvents: true, profiles: profile('fixed') },
  ]);
  [device, fixed] = started.devices;
  stopDevices = started.stop;
  t = await startTestApp();
  const add = async (d: SimOnvifDevice, name: string) => {
    const r = await t.api('POST', '/api/cameras', { name, onvif: { xaddr: d.xaddr, username: 'admin', password: 'admin123' } });
    expect(r.status).toBe(201);
    return r.json.id as number;
  };
  cameraId = await add(device, 'Dome');
  fixedId = await add(fixed, 'Fixed');
});

afterAll(async () => {
  await t?.stop();
  await stopDevices?.();
});

const ptz = (body: Record<string, unknown>, id = cameraId) => t.api('POST', `/api/cameras/${id}/ptz`, body);
const events = async (camera = cameraId) =>
  (await t.api('GET', `/api/events?camera=${camera}&from=${Date.now() - 3600_000}&to=${Date.now() + 60_000}`)).json as any[];

describe('PTZ through the API', () => {
  it('continuous move with a camera-side timeout, then stop', async () => {
    expect((await ptz({ action: 'move', pan: 0.5, tilt: -0.25 })).json).toEqual({ action: 'move', presetToken: null });
    expect(device.calls.at(-1)).toMatchObject({ operation: 'ContinuousMove', profileToken: 'main', pan: 0.5, tilt: -0.25, timeout: 'PT10S' });
    await ptz({ action: 'move', pan: -1, tilt: 0, timeoutSeconds: 2 });
    expect(device.calls.at(-1)).toMatchObject({ operation: 'ContinuousMove', pan: -1, tilt: 0, timeout: 'PT2S' });
    await ptz({ action: 'stop' });
    expect(device.calls.at(-1)).toMatchObject({ operation: 'Stop', stopPanTilt: true, stopZoom: true });
  });

  it('zoom, home, and presets: list, go to, save, remove', async () => {
    await ptz({ action: 'zoom', speed: 0.3 });
    expect(device.calls.at(-1)).toMatchObject({ operation: 'ContinuousMove', zoom: 0.3, pan: undefined });
    await ptz({ action: 'home' });
    expect(device.calls.at(-1)).toMatchObject({ operation: 'GotoHomePosition', profileToken: 'main' });

    expect((await t.api('GET', `/api/cameras/${cameraId}/ptz/presets`)).json).toEqual([{ token: 'preset-1', name: 'Gate' }]);
    await ptz({ action: 'preset', preset: 'goto', token: 'preset-1' });
    expect(device.calls.at(-1)).toMatchObject({ operation: 'GotoPreset', presetToken: 'preset-1' });
    const saved = await ptz({ action: 'preset', preset: 'set', name: 'Driveway' });
    expect(saved.json.presetToken).toBe('preset-2');
    expect(device.calls.at(-1)).toMatchObject({ operation: 'SetPreset', presetName: 'Driveway', presetToken: 'preset-2' });
    await ptz({ action: 'preset', preset: 'remove', token: 'preset-1' });
    expect(device.calls.at(-1)).toMatchObject({ operation: 'RemovePreset', presetToken: 'preset-1' });
    expect((await t.api('GET', `/api/cameras/${cameraId}/ptz/presets`)).json).toEqual([{ token: 'preset-2', name: 'Driveway' }]);
  });

  it('refuses bad values before anything reaches the camera, and says when a camera cannot move', async () => {
    const sent = device.calls.length;
    const fast = await ptz({ action: 'move', pan: 5 });
    expect(fast.status).toBe(400);
    expect(fast.json.error.message).toBe('pan: speeds are between -1 and 1');
    const noToken = await ptz({ action: 'preset', preset: 'goto' });
    expect(noToken.json.error.message).toBe('token: goto and remove need the preset "token"');
    const unknown = await ptz({ action: 'spin' });
    expect(unknown.status).toBe(400);
    expect(device.calls.length).toBe(sent);

    const missing = await ptz({ action: 'preset', preset: 'goto', token: 'nope' });
    expect(missing.status).toBe(400);
    expect(missing.json.error.message).toMatch(/refused GotoPreset: No such preset/);

    const fixedMove = await ptz({ action: 'move', pan: 0.1 }, fixedId);
    expect(fixedMove.status).toBe(400);
    expect(fixedMove.json.error.message).toBe('This camera cannot pan, tilt or zoom (it has no PTZ service)');
    expect((await t.api('GET', `/api/cameras/${fixedId}/onvif`)).json).toMatchObject({ ptz: false, events: { supported: false, state: 'off' } });
    expect(fixed.calls).toEqual([]);
  });
});

describe('camera events', () => {
  it('subscribes when the camera is added', async () => {
    await waitFor(async () => (await t.api('GET', `/api/cameras/${cameraId}/onvif`)).json.events.state === 'subscribed', {
      timeoutMs: 10_000,
      what: 'the event subscription',
    });
    expect(device.activeSubscriptions()).toBe(1);
  });

  it('a motion event becomes one row with its start and end, shown by GET /api/events', async () => {
    const before = Date.now();
    device.raiseEvent('motion', true);
    const open = await waitFor(async () => (await events()).find((e) => e.end === null), { timeoutMs: 10_000, what: 'an open motion event' });
    expect(open).toMatchObject({ cameraId, kind: 'motion', topic: 'RuleEngine/CellMotionDetector/Motion' });
    expect(open.source).toContain('Rule=MyMotionDetectorRule');
    // The camera's clock is 2 h behind: its timestamps are corrected onto ours.
    expect(Math.abs(open.start - before)).toBeLessThan(5000);

    device.raiseEvent('motion', false);
    const closed = await waitFor(async () => (await events()).find((e) => e.id === open.id && e.end !== null), { timeoutMs: 10_000, what: 'the event to end' });
    expect(closed.end).toBeGreaterThanOrEqual(closed.start);
    expect(await events()).toHaveLength(1);

    const row = databaseOf(t.app.engine.store).prepare('SELECT camera_id, kind, start_ms, end_ms FROM events WHERE id = ?').get(open.id);
    expect(row).toEqual({ camera_id: cameraId, kind: 'motion', start_ms: closed.start, end_ms: closed.end });
    // The timeline shows the same rows.
    const timeline = await t.api('GET', `/api/timeline?cameras=${cameraId}&from=${before - 1000}&to=${Date.now() + 1000}`);
    expect(timeline.json.cameras[0].events).toEqual([{ id: open.id, kind: 'motion', start: closed.start, end: closed.end }]);
  });

  it('keeps receiving events after the device restarts (the subscription is re-created)', async () => {
    const created = device.pullPointStats.created;
    await device.restart(500);
    await waitFor(() => device.pullPointStats.created > created && device.activeSubscriptions() === 1, {
      timeoutMs: 15_000,
      what: 'a new subscription after the restart',
    });
    device.raiseEvent('tamper', true);
    const tamper = await waitFor(async () => (await events()).find((e) => e.kind === 'tamper'), { timeoutMs: 10_000, what: 'a tamper event' });
    expect(tamper.end).toBeNull();
    device.raiseEvent('tamper', false);
    await waitFor(async () => (await events()).find((e) => e.kind === 'tamper')?.end, { timeoutMs: 10_000, what: 'the tamper event to end' });
  }, 40_000);

  it('validates the events query', async () => {
    const reversed = await t.api('GET', `/api/events?camera=${cameraId}&from=10&to=5`);
    expect(reversed.status).toBe(400);
    expect(reversed.json.error.message).toBe('from: "from" must be before "to"');
    expect((await t.api('GET', `/api/events?camera=999&from=0&to=5`)).status).toBe(404);
    const all = await t.api('GET', `/api/events?from=${Date.now() - 3600_000}&to=${Date.now() + 1000}`);
    expect(all.json.every((e: any) => e.cameraId === cameraId)).toBe(true);
  });

  it('disabling the camera stops its subscription; enabling starts it again', async () => {
    await t.api('PATCH', `/api/cameras/${cameraId}`, { enabled: false });
    await waitFor(() => device.activeSubscriptions() === 0, { timeoutMs: 5000, what: 'the unsubscribe' });
    expect((await t.api('GET', `/api/cameras/${cameraId}/onvif`)).json.events.state).toBe('off');
    await t.api('PATCH', `/api/cameras/${cameraId}`, { enabled: true });
    await waitFor(() => device.activeSubscriptions() === 1, { timeoutMs: 10_000, what: 'a new subscription' });
  });

  it('removing the camera unsubscribes and deletes its events', async () => {
    const r = await t.api('DELETE', `/api/cameras/${cameraId}`);
    expect(r.status).toBe(200);
    expect(device.activeSubscriptions()).toBe(0);
    const left = databaseOf(t.app.engine.store).prepare('SELECT COUNT(*) AS n FROM events WHERE camera_id = ?').get(cameraId) as { n: number };
    expect(left.n).toBe(0);
  });
});
