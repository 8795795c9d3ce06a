/**
 * The detection service with a scripted frame source, motion and object
 * detector (tests/detection/service-fakes.ts) over a real store and a manual
 * clock: motion and object events, zones, review grouping, alert vs
 * detection, thumbnails, the reviewed flag, ONVIF events in review items,
 * status counters, and everything going with its camera.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManualClock } from '../../main/engine/clock.ts';
import { silentLogger } from '../../main/engine/log.ts';
import { Store, databaseOf } from '../../main/engine/storage/store.ts';
import { DetectionService, type DetectionAlert } from '../../main/engine/detection/detection-service.ts';
import { DetectionConfig, type DetectionConfigInput, type ReviewItem } from '../../preload/contract/detection.ts';
import { tempDir } from '../helpers/tmp.ts';
import { waitFor } from '../helpers/wait.ts';
import { FakeWorld } from './service-fakes.ts';
import type { Detection } from '../../main/engine/detection/types.ts';

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const FRAME_MS = 200;

interface Rig {
  store: Store;
  clock: ManualClock;
  world: FakeWorld;
  service: DetectionService;
  dir: string;
  alerts: DetectionAlert[];
  reviews: [string, ReviewItem][];
  camera(name?: string, config?: DetectionConfigInput): number;
  /** Frames every 200 ms over [from, to), clock following; detector promises settle after each. */
  run(cameraId: number, from: number, to: number): Promise<void>;
  cleanup(): Promise<void>;
}

const settle = () => new Promise<void>((r) => setImmediate(r));
let rigs: Rig[] = [];

async function rig(opts: { ffmpegPath?: string } = {}): Promise<Rig> {
  const tmp = tempDir('kw-detect-');
  const clock = new ManualClock(T0);
  const store = Store.open({ databaseFile: join(tmp.dir, 'k.db'), recordingsRoot: join(tmp.dir, 'rec'), clock });
  const world = new FakeWorld(opts);
  const service = new DetectionService({ store, clock, log: silentLogger, parts: world.parts() }, { review: { gapMs: 20_000 }, alertPictureWaitMs: 60_000 });
  const alerts: DetectionAlert[] = [];
  const reviews: [string, ReviewItem][] = [];
  service.on('alert', (a: DetectionAlert) => alerts.push(a));
  service.on('review', (change: string, item: ReviewItem) => reviews.push([change, item]));
  service.start();
  let n = 0;
  const r: Rig = {
    store,
    clock,
    world,
    service,
    dir: tmp.dir,
    alerts,
    reviews,
    camera(name = `cam${++n}`, config = { enabled: true }) {
      const id = store.insertCamera({ name, enabled: true, source: 'rtsp', credentials: null, maxAgeMs: null, streams: [{ kind: 'main', url: `rtsp://127.0.0.1:9/${name}` }] });
      service.setDetection(id, DetectionConfig.parse(config));
      return id;
    },
    async run(cameraId, from, to) {
      for (let t = from; t < to; t += FRAME_MS) {
        if (t > clock.now()) clock.advance(t - clock.now());
        world.frame(cameraId, t);
        await settle();
      }
    },
    async cleanup() {
      await service.stop();
      await store.collectGarbage();
      store.close();
      tmp.cleanup();
    },
  };
  // The object detector loads asynchronously on first need.
  rigs.push(r);
  return r;
}

afterEach(async () => {
  for (const r of rigs) await r.cleanup();
  rigs = [];
});

const person = (x: number, y: number, score = 0.8) => ({ label: 'person' as const, score, box: { x, y, w: 0.1, h: 0.3 } });
const dog = (x: number, y: number, score = 0.7) => ({ label: 'dog' as const, score, box: { x, y, w: 0.1, h: 0.1 } });
/** Scripts motion at the given box over [from, to). */
function moving(world: FakeWorld, from: number, to: number, box = { x: 0.1, y: 0.1, w: 0.2, h: 0.2 }) {
  for (let t = from; t < to; t += FRAME_MS) world.motion.set(t, [box]);
}
/** Scripts one object per frame over [from, to), moving right a little each frame. */
function walking(world: FakeWorld, from: number, to: number, make: (x: number) => Detection) {
  let x = 0.1;
  for (let t = from; t < to; t += FRAME_MS, x += 0.005) world.objects.set(t, [make(x)]);
}
const DRIVEWAY = { id: 'driveway', name: 'Driveway', polygon: [[0.5, 0.5], [1, 0.5], [1, 1], [0.5, 1]] as [number, number][] };

describe('motion events and review items', () => {
  it('turns a burst of motion into one motion event and one detection review item with a picture', async () => {
    const r = await rig();
    const cam = r.camera('yard', { enabled: true, objects: false, minDurationMs: 1000 });
    moving(r.world, T0 + 2000, T0 + 6000);
    await r.run(cam, T0, T0 + 10_000);

    const events = r.service.listEvents({ camera: cam, from: T0 - 1, to: T0 + 60_000 });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'motion', origin: 'detection', start: T0 + 2000, end: T0 + 5800, label: null, score: null, box: null, zones: [] });

    // The item stays open for the gap, then closes at the last activity.
    let items = r.service.listReview({ from: T0, to: T0 + 60_000 });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ cameraId: cam, severity: 'detection', start: T0 + 2000, end: null, labels: [], eventIds: [events[0].id] });
    await r.run(cam, T0 + 10_000, T0 + 30_000);
    items = r.service.listReview({ from: T0, to: T0 + 60_000 });
    expect(items[0].end).toBe(T0 + 5800);
    expect(items[0].clipStart).toBeLessThan(items[0].start);
    expect(items[0].clipEnd).toBeGreaterThan(items[0].end!);
    await waitFor(() => r.service.getReviewItem(items[0].id).thumbnailId, { timeoutMs: 5000, what: 'the motion thumbnail' });
    expect(r.reviews.map(([c]) => c)).toContain('end');
    expect(r.alerts).toHaveLength(0);
  });

  it('keeps the frame source decoding every frame while something moves and a moment after, then lets it go back to keyframes', async () => {
    const r = await rig();
    const cam = r.camera('porch', { enabled: true, objects: false, minDurationMs: 1000 });
    moving(r.world, T0 + 2000, T0 + 6000);
    await r.run(cam, T0, T0 + 12_000);
    const [source] = r.world.open(cam);
    expect(source.request.keyframesWhenStill).toBe(true); // the default: stillDecoding 'keyframes'
    // Asked on every moving frame, not before, and not while the motion event only waits for its end.
    const movingFrames = Array.from({ length: (5800 - 2000) / FRAME_MS + 1 }, (_, i) => T0 + 2000 + i * FRAME_MS);
    expect(source.awakeAfter).toEqual(movingFrames);
    expect(r.service.listEvents({ camera: cam, from: T0 - 1, to: T0 + 60_000 })[0]).toMatchObject({ start: T0 + 2000, end: T0 + 5800 });
    source.decoding = 'keyframes';
    expect(r.service.runtime(cam).decoding).toBe('keyframes');

    const every = r.camera('garage', { enabled: true, objects: false, stillDecoding: 'every-frame' });
    await r.run(every, T0, T0 + 1000);
    expect(r.world.open(every)[0].request.keyframesWhenStill).toBe(false);
  });

  it('gives no event for motion shorter than the minimum duration', async () => {
    const r = await rig();
    const cam = r.camera('rain', { enabled: true, objects: false, minDurationMs: 2000 });
    moving(r.world, T0 + 1000, T0 + 2400);
    await r.run(cam, T0, T0 + 8000);
    expect(r.service.listEvents({ camera: cam, from: T0 - 1, to: T0 + 60_000 })).toEqual([]);
    expect(r.service.listReview({ from: T0, to: T0 + 60_000 })).toEqual([]);
  });

  it('merges activity within the gap into one item and splits it after a longer pause', async () => {
    const r = await rig();
    const cam = r.camera('street', { enabled: true, objects: false, minDurationMs: 0 });
    moving(r.world, T0 + 1000, T0 + 3000);
    moving(r.world, T0 + 8000, T0 + 10_000); // 5 s later: the same item
    moving(r.world, T0 + 60_000, T0 + 62_000); // 50 s later: a new one
    await r.run(cam, T0, T0 + 100_000);
    const events = r.service.listEvents({ camera: cam, from: T0 - 1, to: T0 + 200_000, kind: 'motion' });
    expect(events).toHaveLength(3);
    const items = r.service.listReview({ from: T0, to: T0 + 200_000 }).sort((a, b) => a.start - b.start);
    expect(items).toHaveLength(2);
    expect(items[0]).toMatchObject({ start: T0 + 1000, end: T0 + 9800 });
    expect(items[0].eventIds).toEqual([events[0].id, events[1].id]);
    expect(items[1]).toMatchObject({ start: T0 + 60_000, end: T0 + 61_800, eventIds: [events[2].id] });
  });
});

describe('object events, zones and alerts', () => {
  it('makes one event per tracked person, in the zone it walked into, and an alert with its picture', async () => {
    const r = await rig();
    const cam = r.camera('front', { enabled: true, minDurationMs: 0, zones: [DRIVEWAY], notify: true });
    r.service.getDetection(cam);
    await r.run(cam, T0, T0 + 400); // the detector loads
    moving(r.world, T0 + 1000, T0 + 5000, { x: 0.5, y: 0.4, w: 0.3, h: 0.5 });
    // A person walking from the pavement into the driveway, score rising.
    let x = 0.55;
    for (let t = T0 + 1000, k = 0; t < T0 + 5000; t += FRAME_MS, k++, x += 0.005) {
      r.world.objects.set(t, [person(x, 0.1 + k * 0.02, 0.5 + k * 0.02)]);
    }
    await r.run(cam, T0 + 400, T0 + 8000);

    const objects = r.service.listEvents({ camera: cam, from: T0 - 1, to: T0 + 60_000, kind: 'object' });
    expect(objects, JSON.stringify(objects)).toHaveLength(1);
    const e = objects[0];
    expect(e).toMatchObject({ kind: 'object', origin: 'detection', label: 'person', zones: ['driveway'], start: T0 + 1000 });
    expect(e.score).toBeCloseTo(0.88, 2);
    expect(e.box!.y).toBeCloseTo(0.48, 3); // the box of the best sighting
    expect(e.end).not.toBeNull();
    expect(r.service.listEvents({ camera: cam, from: T0 - 1, to: T0 + 60_000, label: 'person' }).map((x) => x.id)).toEqual([e.id]);
    expect(r.service.listEvents({ camera: cam, from: T0 - 1, to: T0 + 60_000, label: 'dog' })).toEqual([]);

    const [item] = r.service.listReview({ from: T0, to: T0 + 60_000, severity: 'alert' });
    expect(item).toMatchObject({ cameraId: cam, severity: 'alert', labels: ['person'], zones: ['driveway'] });
    expect(item.eventIds).toContain(e.id);
    expect(r.service.listReview({ from: T0, to: T0 + 60_000, label: 'person', zone: 'driveway' })).toHaveLength(1);
    expect(r.service.listReview({ from: T0, to: T0 + 60_000, zone: 'garden' })).toHaveLength(0);

    await waitFor(() => r.alerts.length === 1, { timeoutMs: 5000, what: 'the alert' });
    expect(r.alerts[0]).toMatchObject({ notify: true, camera: { id: cam, name: 'front' } });
    expect(r.alerts[0].item.severity).toBe('alert');
    expect(r.alerts[0].jpeg?.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect((await r.service.reviewThumbnail(item.id)).size).toBeGreaterThan(0);
  });

  it('a person outside every zone is a detection; with no zones a person anywhere is an alert; a dog never is', async () => {
    const r = await rig();
    const zoned = r.camera('zoned', { enabled: true, minDurationMs: 0, zones: [DRIVEWAY] });
    const open = r.camera('open', { enabled: true, minDurationMs: 0 });
    const dogs = r.camera('dogs', { enabled: true, minDurationMs: 0 });
    await r.run(zoned, T0, T0 + 400);
    moving(r.world, T0 + 1000, T0 + 3000);
    walking(r.world, T0 + 1000, T0 + 3000, (x) => person(x, 0.1));
    await r.run(zoned, T0 + 400, T0 + 4000);
    await r.run(open, T0 + 400, T0 + 4000);
    r.world.objects.clear();
    walking(r.world, T0 + 1000, T0 + 3000, (x) => dog(x, 0.6));
    r.clock.set(T0 + 400);
    await r.run(dogs, T0 + 400, T0 + 4000);
    const severityOf = (cam: number) => r.service.listReview({ from: T0, to: T0 + 60_000, camera: cam }).map((i) => i.severity);
    expect(severityOf(zoned)).toEqual(['detection']);
    expect(severityOf(open)).toEqual(['alert']);
    expect(severityOf(dogs)).toEqual(['detection']);
    expect(r.service.listReview({ from: T0, to: T0 + 60_000, camera: dogs })[0].labels).toEqual(['dog']);
    // Labels the camera does not look for are not reported.
    const onlyCars = r.camera('cars', { enabled: true, minDurationMs: 0, labels: ['car'] });
    r.clock.set(T0 + 400);
    await r.run(onlyCars, T0 + 400, T0 + 4000);
    expect(r.service.listEvents({ camera: onlyCars, from: T0 - 1, to: T0 + 60_000, kind: 'object' })).toEqual([]);
  });

  it('a person lost for a moment and found again in the same place is still one event; much later, a new one', async () => {
    const r = await rig();
    const cam = r.camera('flicker', { enabled: true, minDurationMs: 0 });
    await r.run(cam, T0, T0 + 400);
    moving(r.world, T0 + 1000, T0 + 30_000);
    const here = (from: number, to: number) => {
      for (let t = from; t < to; t += FRAME_MS) r.world.objects.set(t, [person(0.4, 0.2)]);
    };
    here(T0 + 1000, T0 + 2000);
    here(T0 + 3200, T0 + 4000); // gone for 1.2 s: the tracker dropped it after 3 empty looks
    here(T0 + 12_000, T0 + 13_000); // back 8 s later: someone (or something) new
    await r.run(cam, T0 + 400, T0 + 20_000);
    const events = r.service.listEvents({ camera: cam, from: T0 - 1, to: T0 + 60_000, kind: 'object' });
    expect(events.map((e) => [e.start - T0, e.end! - T0])).toEqual([
      [1000, 3800],
      [12_000, 12_800],
    ]);
  });

  it('reports a parked car once and does not keep its review item open', async () => {
    const r = await rig();
    const cam = r.camera('drive', { enabled: true, minDurationMs: 0 });
    await r.run(cam, T0, T0 + 400);
    moving(r.world, T0 + 1000, T0 + 60_000);
    for (let t = T0 + 1000; t < T0 + 60_000; t += FRAME_MS) {
      // Arrives (score 0.8), then stands still (the fake tracker calls a score of 0.77 stationary).
      r.world.objects.set(t, [{ label: 'car', score: t < T0 + 3000 ? 0.8 : 0.77, box: { x: 0.3, y: 0.3, w: 0.3, h: 0.2 } }]);
    }
    await r.run(cam, T0 + 400, T0 + 60_000);
    const cars = r.service.listEvents({ camera: cam, from: T0 - 1, to: T0 + 120_000, kind: 'object' });
    expect(cars).toHaveLength(1);
    expect(cars[0].end).toBe(T0 + 3000);
  });

  it('marks items reviewed and filters by it', async () => {
    const r = await rig();
    const cam = r.camera('porch', { enabled: true, objects: false, minDurationMs: 0 });
    moving(r.world, T0 + 1000, T0 + 2000);
    moving(r.world, T0 + 40_000, T0 + 41_000);
    await r.run(cam, T0, T0 + 70_000);
    const items = r.service.listReview({ from: T0, to: T0 + 100_000 });
    expect(items).toHaveLength(2);
    expect(items.every((i) => !i.reviewed)).toBe(true);
    const done = r.service.setReviewed(items[1].id, true);
    expect(done.reviewed).toBe(true);
    expect(r.service.listReview({ from: T0, to: T0 + 100_000, reviewed: false }).map((i) => i.id)).toEqual([items[0].id]);
    expect(r.service.listReview({ from: T0, to: T0 + 100_000, reviewed: true }).map((i) => i.id)).toEqual([items[1].id]);
    r.service.setReviewed(items[1].id, false);
    expect(r.service.listReview({ from: T0, to: T0 + 100_000, reviewed: false })).toHaveLength(2);
    expect(() => r.service.setReviewed(999_999, true)).toThrow(/no review item/);
  });
});

describe('ONVIF events and status', () => {
  it('groups the camera-reported events into review items too', async () => {
    const r = await rig();
    const cam = r.store.insertCamera({ name: 'onvif', enabled: true, source: 'onvif', credentials: null, maxAgeMs: null, streams: [{ kind: 'main', url: 'rtsp://127.0.0.1:9/o' }] });
    const id = r.store.onvif.insertEvent({ cameraId: cam, kind: 'motion', start: T0 + 1000, source: 'Rule=Motion', topic: 'RuleEngine/CellMotionDetector/Motion' });
    r.clock.advance(2000);
    let [item] = r.service.listReview({ from: T0, to: T0 + 100_000, camera: cam });
    expect(item).toMatchObject({ onvif: ['motion'], severity: 'detection', end: null, eventIds: [id] });
    r.store.onvif.closeEvent(id, T0 + 4000);
    r.clock.advance(40_000);
    [item] = r.service.listReview({ from: T0, to: T0 + 100_000, camera: cam });
    expect(item.end).toBe(T0 + 4000);
    const [e] = r.service.listEvents({ camera: cam, from: T0, to: T0 + 100_000, kind: 'onvif' });
    expect(e).toMatchObject({ id, kind: 'motion', origin: 'onvif', label: null, box: null, zones: [] });
  });

  it('sleeps while nothing is open, and an ONVIF event wakes it within a tick', async () => {
    const r = await rig();
    const cam = r.store.insertCamera({ name: 'idle', enabled: true, source: 'onvif', credentials: null, maxAgeMs: null, streams: [{ kind: 'main', url: 'rtsp://127.0.0.1:9/i' }] });
    const follow = vi.spyOn(r.store.detection, 'onvifEventsAfter');
    r.clock.advance(30_000);
    expect(follow).not.toHaveBeenCalled(); // no database query a second for nothing
    const id = r.store.onvif.insertEvent({ cameraId: cam, kind: 'motion', start: r.clock.now(), source: 'Rule=Motion', topic: 'RuleEngine/CellMotionDetector/Motion' });
    r.clock.advance(1000);
    expect(follow).toHaveBeenCalled();
    expect(r.service.listReview({ from: T0, to: r.clock.now() + 1000, camera: cam })[0]).toMatchObject({ eventIds: [id], end: null });
  });

  it('counts frames processed and frames dropped while the detector is busy', async () => {
    const r = await rig();
    const cam = r.camera('busy', { enabled: true, minDurationMs: 0 });
    await r.run(cam, T0, T0 + 400);
    moving(r.world, T0 + 400, T0 + 3000);
    r.world.holdDetector = true;
    await r.run(cam, T0 + 400, T0 + 2400); // 10 frames, the first goes to the detector and never comes back
    const status = r.service.statusOf(cam);
    expect(status.state).toBe('running');
    expect(status.framesProcessed).toBe(12);
    expect(status.framesDropped).toBe(9);
    expect(r.world.detectorCalls).toBe(1);
    r.world.release();
    await settle();
    expect(r.service.statusOf(cam).inferences).toBe(1);
  });

  it('keeps working on motion when no object model can be loaded', async () => {
    const r = await rig();
    r.world.detectorAvailable = false;
    const cam = r.camera('nomodel', { enabled: true, minDurationMs: 0 });
    moving(r.world, T0 + 1000, T0 + 2000);
    await r.run(cam, T0, T0 + 4000);
    expect(r.service.getDetection(cam).objectsAvailable).toBe(false);
    expect(r.service.listEvents({ camera: cam, from: T0 - 1, to: T0 + 60_000, kind: 'motion' })).toHaveLength(1);
  });
});

describe('everything keyed by a camera goes with it', () => {
  it('stops when detection is switched off or the camera disabled, and starts again', async () => {
    const r = await rig();
    const cam = r.camera('gate', { enabled: true, objects: false, minDurationMs: 0 });
    expect(r.world.open(cam)).toHaveLength(1);
    moving(r.world, T0 + 1000, T0 + 30_000);
    await r.run(cam, T0, T0 + 2000);
    expect(r.service.statusOf(cam).motion).toBe(true);

    // Switched off mid-motion: the source closes and the open motion event ends.
    r.service.setDetection(cam, DetectionConfig.parse({ enabled: false }));
    expect(r.world.open(cam)).toHaveLength(0);
    expect(r.service.statusOf(cam).state).toBe('off');
    const [e] = r.service.listEvents({ camera: cam, from: T0, to: T0 + 60_000 });
    expect(e.end).not.toBeNull();

    r.service.setDetection(cam, DetectionConfig.parse({ enabled: true, objects: false }));
    expect(r.world.open(cam)).toHaveLength(1);
    r.store.updateCamera(cam, { enabled: false });
    r.service.cameraChanged(cam);
    expect(r.world.open(cam)).toHaveLength(0);
    r.store.updateCamera(cam, { enabled: true });
    r.service.cameraChanged(cam);
    expect(r.world.open(cam)).toHaveLength(1);
    // A sub stream added: the decoder moves to it (a new frame source).
    const before = r.world.sources.length;
    r.store.setStreamUrl(cam, 'sub', 'rtsp://127.0.0.1:9/gate-sub');
    r.service.cameraChanged(cam);
    expect(r.world.sources.length).toBe(before + 1);
    expect(r.world.open(cam)).toHaveLength(1);
    r.service.cameraChanged(cam); // nothing changed: nothing restarts
    expect(r.world.sources.length).toBe(before + 1);
    // A changed config restarts the pipeline with it.
    r.service.setDetection(cam, DetectionConfig.parse({ enabled: true, objects: false, fps: 2 }));
    expect(r.world.open(cam).map((s) => s.request.fps)).toEqual([2]);
  });

  it('removing the camera stops detection and deletes its config, events, review items and pictures', async () => {
    const r = await rig();
    const cam = r.camera('doomed', { enabled: true, minDurationMs: 0 });
    const other = r.camera('kept', { enabled: true, objects: false, minDurationMs: 0 });
    await r.run(cam, T0, T0 + 400);
    moving(r.world, T0 + 1000, T0 + 3000);
    walking(r.world, T0 + 1000, T0 + 3000, (x) => person(x, 0.2));
    await r.run(cam, T0 + 400, T0 + 3000);
    r.clock.set(T0 + 400);
    await r.run(other, T0 + 400, T0 + 3000);
    const [item] = r.service.listReview({ from: T0, to: T0 + 60_000, camera: cam });
    await waitFor(() => r.service.getReviewItem(item.id).thumbnailId, { timeoutMs: 5000, what: 'a thumbnail' });
    const pictures = join(r.dir, 'rec', `c${cam}`, 'review');
    expect(readdirSync(pictures).length).toBeGreaterThan(0);

    r.service.cameraRemoved(cam);
    r.store.deleteCamera(cam);
    await r.store.collectGarbage();
    expect(r.world.open(cam)).toHaveLength(0);
    // A picture still being written when the camera went is removed as soon as its write finishes.
    await waitFor(() => readdirSync(pictures).length === 0, { timeoutMs: 5000, what: 'the pictures gone' });
    const db = databaseOf(r.store);
    for (const table of ['events', 'review_items', 'detection_configs']) {
      expect((db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE camera_id = ?`).get(cam) as { n: number }).n).toBe(0);
    }
    expect((db.prepare('SELECT COUNT(*) AS n FROM review_events').get() as { n: number }).n).toBe(
      r.service.listReview({ from: T0, to: T0 + 60_000, camera: other }).reduce((n, i) => n + i.eventIds.length, 0),
    );
    expect(() => r.service.getReviewItem(item.id)).toThrow(/no review item/);
    await expect(r.service.reviewThumbnail(item.id)).rejects.toThrow(/no review item/);
    expect(() => r.service.getDetection(cam)).toThrow(/no camera/);
    // Frames arriving late for it change nothing.
    r.world.frame(cam, T0 + 3000);
    expect(r.service.listReview({ from: T0, to: T0 + 60_000, camera: other })).toHaveLength(1);
    expect(existsSync(pictures)).toBe(true);
  });
});

describe('start-up', () => {
  it('closes what a crash left open and removes review pictures no row points at', async () => {
    const tmp = tempDir('kw-detect-crash-');
    const clock = new ManualClock(T0);
    const store = Store.open({ databaseFile: join(tmp.dir, 'k.db'), recordingsRoot: join(tmp.dir, 'rec'), clock });
    const cam = store.insertCamera({ name: 'c', enabled: true, source: 'rtsp', credentials: null, maxAgeMs: null, streams: [{ kind: 'main', url: 'rtsp://127.0.0.1:9/c' }] });
    const open = store.detection.insertEvent({ cameraId: cam, kind: 'motion', start: T0 - 5000, source: 'keepwatch/motion' });
    const item = store.detection.insertReview({ cameraId: cam, start: T0 - 5000, severity: 'detection', labels: [], zones: [], onvif: [] });
    store.detection.linkEvent(item, open);
    const folder = join(tmp.dir, 'rec', `c${cam}`, 'review');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, `i${item}-1.jpg`), 'left over');
    writeFileSync(join(folder, `i${item}-2.jpg.tmp`), 'half written');
    writeFileSync(join(folder, 'notes.txt'), 'not ours');

    const service = new DetectionService({ store, clock, log: silentLogger, parts: new FakeWorld().parts() });
    service.start();
    expect(store.detection.getEvent(open)!.end).toBe(T0 - 5000);
    expect(store.detection.getReview(item)!.end).toBe(T0 - 5000);
    await waitFor(() => readdirSync(folder).length === 1, { timeoutMs: 5000, what: 'the leftovers swept' });
    expect(readdirSync(folder)).toEqual(['notes.txt']);
    await service.stop();
    store.close();
    tmp.cleanup();
  });
});
