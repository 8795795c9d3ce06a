/**
 * Retention by events (issue 12): per camera "continuous N days, events M
 * days" — footage overlapping an event or a review item stays until M days,
 * the rest goes after N; the days-kept answer says both.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../../main/engine/storage/store.ts';
import { RetentionService } from '../../main/engine/retention/retention.ts';
import { quietSegments } from '../../main/engine/retention/event-retention.ts';
import { ManualClock } from '../../main/engine/clock.ts';
import { silentLogger } from '../../main/engine/log.ts';
import { tempDir } from '../helpers/tmp.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 11, 20, 0, 0, 0);

function setup() {
  const tmp = tempDir('kw-ret-');
  const clock = new ManualClock(NOW);
  const store = Store.open({ databaseFile: join(tmp.dir, 'k.db'), recordingsRoot: join(tmp.dir, 'rec'), clock });
  const retention = new RetentionService(store, clock, silentLogger, () => ({ diskBudgetBytes: null, freeSpaceFloorBytes: 0 }), () => ({ freeBytes: 1e12, totalBytes: 2e12 }));
  /** A camera with 10 days of hour-long segments ending now. */
  const camera = (name: string, maxAgeDays: number, eventsMaxAgeDays: number | null) => {
    const id = store.insertCamera({ name, enabled: true, source: 'rtsp', credentials: null, maxAgeMs: maxAgeDays * DAY, streams: [{ kind: 'main', url: `rtsp://127.0.0.1:9/${name}` }] });
    store.detection.setEventsMaxAgeMs(id, eventsMaxAgeDays === null ? null : eventsMaxAgeDays * DAY);
    const streamId = store.listStreams(id)[0].id;
    const runId = store.startRun(streamId);
    for (let k = 0; k < 240; k++) {
      const start = NOW - 10 * DAY + k * HOUR;
      const file = store.newSegmentFile(id, runId, k + 1, NOW - 10 * DAY);
      writeFileSync(store.absolutePath(file), 'x');
      store.insertSegment({ cameraId: id, streamId, runId, seq: k + 1, start, end: start + HOUR, bytes: 100, codec: 'h264', width: 1, height: 1, file, recovered: false });
    }
    return id;
  };
  return { tmp, clock, store, retention, camera };
}

/** Which hours of a camera's footage are left, counted back from NOW (the first run's now; 0 = the newest). */
function hoursLeft(store: Store, cameraId: number): number[] {
  return store
    .querySegments(cameraId, 0, NOW + DAY)
    .map((s) => Math.round((NOW - s.end) / HOUR))
    .sort((a, b) => a - b);
}

describe('continuous N days, events M days', () => {
  it('keeps footage around events and review items until M days, the rest until N', async () => {
    const { tmp, clock, store, retention, camera } = setup();
    const cam = camera('yard', 2, 7);
    const plain = camera('plain', 2, null);
    // A motion event 5 days ago (within one hour-segment), an object event crossing two segments 4 days ago,
    // a review item 3 days ago, and an event 8 days ago (beyond M: it goes anyway).
    const e1 = store.detection.insertEvent({ cameraId: cam, kind: 'motion', start: NOW - 5 * DAY + 30 * 60_000, source: 't' });
    store.detection.endEvent(e1, NOW - 5 * DAY + 40 * 60_000);
    const e2 = store.detection.insertEvent({ cameraId: cam, kind: 'object', start: NOW - 4 * DAY - 5 * 60_000, source: 't', label: 'person', score: 0.9 });
    store.detection.endEvent(e2, NOW - 4 * DAY + 5 * 60_000);
    const r = store.detection.insertReview({ cameraId: cam, start: NOW - 3 * DAY - 50 * 60_000, severity: 'alert', labels: ['person'], zones: [], onvif: [] });
    store.detection.endReview(r, NOW - 3 * DAY - 45 * 60_000);
    const e3 = store.detection.insertEvent({ cameraId: cam, kind: 'motion', start: NOW - 8 * DAY + 10 * 60_000, source: 't' });
    store.detection.endEvent(e3, NOW - 8 * DAY + 20 * 60_000);
    // The other camera's event does not protect this camera's footage, nor its own beyond N.
    const e4 = store.detection.insertEvent({ cameraId: plain, kind: 'motion', start: NOW - 5 * DAY + 30 * 60_000, source: 't' });
    store.detection.endEvent(e4, NOW - 5 * DAY + 40 * 60_000);

    const oldest = store.querySegments(cam, 0, NOW)[0];
    const report = retention.runOnce();
    expect(report.ageDeleted).toBeGreaterThan(0);

    const recent = Array.from({ length: 48 }, (_, h) => h); // the last 2 days, all of it
    // Hour-segment ending h hours ago covers [NOW - (h+1)h, NOW - h·h): the 5-days-ago event is in h = 119,
    // the 4-days-ago event crosses h = 95 and 96, the review item is in h = 72.
    expect(hoursLeft(store, cam)).toEqual([...recent, 72, 95, 96, 119]);
    expect(hoursLeft(store, plain)).toEqual(recent);
    await store.collectGarbage();
    expect(existsSync(store.absolutePath(oldest.file))).toBe(false);

    // The days-kept answer: continuous footage 2 days, footage with events back to 5 days.
    const camKept = retention.keptDays(cam, store.cameraStorage(cam).oldestStart, 2 * DAY);
    expect(camKept.daysKept).toBe(2);
    expect(camKept.eventDaysKept).toBeCloseTo(5, 6); // the hour-segment of the 5-days-ago event
    const plainKept = retention.keptDays(plain, store.cameraStorage(plain).oldestStart, 2 * DAY);
    expect(plainKept).toEqual({ daysKept: 2, eventDaysKept: null });

    // A day later: the newest hours of the 2-day window go the same way, and
    // the review item's hour is still within M.
    clock.advance(DAY);
    retention.runOnce();
    expect(hoursLeft(store, cam)).toEqual([...recent.slice(0, 24), 72, 95, 96, 119]);
    // Two more days: footage ending more than 7 days ago goes even with events (the 5-days-ago event, and
    // the older half of the one that crossed two segments); every quiet hour is gone.
    clock.advance(2 * DAY);
    retention.runOnce();
    expect(hoursLeft(store, cam)).toEqual([72, 95]);
    store.close();
    tmp.cleanup();
  });

  it('picks quiet segments: overlap with an activity span widened by the margin keeps a segment', () => {
    const seg = (start: number, end: number) => ({ id: start, cameraId: 1, streamId: 1, runId: 1, seq: 1, start, end, bytes: 1, codec: null, width: null, height: null, file: `f${start}`, recovered: false });
    const segments = [seg(0, 100), seg(100, 200), seg(200, 300), seg(300, 400)];
    expect(quietSegments(segments, [{ start: 150, end: 160 }], 0).map((s) => s.start)).toEqual([0, 200, 300]);
    expect(quietSegments(segments, [{ start: 150, end: 160 }], 45).map((s) => s.start)).toEqual([0, 300]);
    expect(quietSegments(segments, [{ start: 205, end: 390 }], 0).map((s) => s.start)).toEqual([0, 100]);
    expect(quietSegments(segments, [], 10).length).toBe(4);
  });
});
