// The timeline answer (TimelineService.get) against a plain reference computed
// from the rows the test inserted: spans, gaps (also at the window's ends),
// events (open ones, the look-back day, the per-camera cap) and thumbnails
// (one per slice with footage, none in gaps or in a sub-tolerance hole). The
// service answers with a fixed handful of indexed statements per camera; this
// checks that the answer did not change meaning on the way.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store, databaseOf } from '../../main/engine/storage/store.ts';
import { ManualClock } from '../../main/engine/clock.ts';
import { MAX_EVENTS_PER_CAMERA, TimelineService } from '../../main/engine/timeline/timeline-service.ts';
import { clipIntervals, gapsWithin, mergeIntervals, type Interval } from '../../main/engine/timeline/intervals.ts';
import { THUMBNAIL_SLOT_MS, type CameraTimeline, type TimelineEvent } from '../../preload/api.ts';

const DAY = 86_400_000;
const NOW = 40 * DAY;

interface Seg extends Interval {
  id: number;
}
interface Ev {
  id: number;
  kind: string;
  start: number;
  end: number | null;
}

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function openStore() {
  dir = mkdtempSync(join(tmpdir(), 'kw-timeline-query-'));
  const store = Store.open({ databaseFile: join(dir, 'db'), recordingsRoot: join(dir, 'rec'), clock: new ManualClock(NOW) });
  let seq = 0;
  const camera = (name: string) => {
    const id = store.insertCamera({ name, enabled: true, source: 'rtsp', credentials: null, maxAgeMs: null, streams: [{ kind: 'main', url: 'rtsp://127.0.0.1/a' }] });
    const streamId = store.listStreams(id)[0].id;
    const runId = store.startRun(streamId);
    const segments: Seg[] = [];
    const events: Ev[] = [];
    return {
      id,
      segments,
      events,
      segment(start: number, end: number) {
        seq++;
        const sid = store.insertSegment({ cameraId: id, streamId, runId, seq, start, end, bytes: 1, codec: null, width: null, height: null, file: `c${id}-${seq}.mp4`, recovered: false });
        segments.push({ id: sid, start, end });
      },
      event(kind: string, start: number, end: number | null) {
        const r = databaseOf(store).prepare('INSERT INTO events (camera_id, kind, start_ms, end_ms) VALUES (?, ?, ?, ?)').run(id, kind, start, end);
        events.push({ id: Number(r.lastInsertRowid), kind, start, end });
      },
    };
  };
  return { store, camera, service: new TimelineService(store, new ManualClock(NOW)) };
}

/** What the answer must say, computed the slow way from the rows themselves. */
function reference(cam: { segments: Seg[]; events: Ev[] }, from: number, to: number, thumbnails: number): Omit<CameraTimeline, 'cameraId' | 'name'> {
  const merged = mergeIntervals(cam.segments);
  const spans = clipIntervals(merged, from, to);
  const matching = cam.events
    .filter((e) => e.start < to && (e.start >= from - DAY ? (e.end ?? NOW) >= from : e.end === null))
    .sort((a, b) => a.start - b.start || a.id - b.id);
  const events: TimelineEvent[] = matching.slice(0, MAX_EVENTS_PER_CAMERA).map(({ id, kind, start, end }) => ({ id, kind, start, end }));
  const thumbs: { id: string; at: number }[] = [];
  const slice = (to - from) / thumbnails;
  for (let j = 0; j < thumbnails; j++) {
    const a = from + j * slice;
    const b = a + slice;
    const span = spans.find((s) => s.end > a);
    if (!span) break;
    if (span.start >= b) continue;
    const t = Math.floor(Math.min(Math.max((a + b) / 2, span.start), span.end - 1));
    const seg = cam.segments.filter((s) => s.start <= t).sort((x, y) => y.start - x.start)[0];
    if (!seg || seg.end <= t) continue;
    const slot = Math.floor((t - seg.start) / THUMBNAIL_SLOT_MS);
    const id = `${seg.id}-${slot}`;
    if (!thumbs.some((x) => x.id === id)) thumbs.push({ id, at: seg.start + slot * THUMBNAIL_SLOT_MS });
  }
  return {
    spans,
    gaps: gapsWithin(spans, from, to),
    events,
    eventsTruncated: matching.length > MAX_EVENTS_PER_CAMERA,
    thumbnails: thumbs,
    footage: merged.length ? { start: merged[0].start, end: merged[merged.length - 1].end } : null,
  };
}

describe('the timeline answer', () => {
  it('gaps at both ends of the window, thumbnails only where there is footage', () => {
    const { store, camera, service } = openStore();
    const c = camera('front');
    c.segment(100_000, 160_000);
    c.segment(160_000, 220_000);
    c.segment(220_400, 280_000); // 400 ms hole: same span, but a moment inside it has no segment
    c.segment(400_000, 460_000);
    const from = 40_000;
    const to = 520_000;
    const [a] = service.get({ cameras: [c.id], from, to, thumbnails: 8 }).cameras;
    expect(a.spans).toEqual([
      { start: 100_000, end: 280_000 },
      { start: 400_000, end: 460_000 },
    ]);
    expect(a.gaps).toEqual([
      { start: 40_000, end: 100_000 },
      { start: 280_000, end: 400_000 },
      { start: 460_000, end: 520_000 },
    ]);
    // Slices of 60 s: [40,100) is a gap; [100,160) → 130 s in the first segment (slot 3);
    // [160,220) → 190 s; [220,280) → 250 s; [280,340) and [340,400) gaps; [400,460) → 430 s; [460,520) gap.
    const [s1, s2, s3, s4] = c.segments.map((s) => s.id);
    expect(a.thumbnails).toEqual([
      { id: `${s1}-3`, at: 130_000 },
      { id: `${s2}-3`, at: 190_000 },
      { id: `${s3}-2`, at: 240_400 },
      { id: `${s4}-3`, at: 430_000 },
    ]);
    // A slice whose middle falls in the 400 ms hole gets no thumbnail (the hole is 220 000-220 400).
    const [b] = service.get({ cameras: [c.id], from: 220_200 - 50_000, to: 220_200 + 50_000, thumbnails: 1 }).cameras;
    expect(b.spans).toEqual([{ start: 170_200, end: 270_200 }]);
    expect(b.thumbnails).toEqual([]);
    // A window wholly inside a gap: one gap, no thumbnails; footage bounds still say where footage is.
    const [g] = service.get({ cameras: [c.id], from: 300_000, to: 350_000, thumbnails: 5 }).cameras;
    expect(g).toMatchObject({ spans: [], gaps: [{ start: 300_000, end: 350_000 }], thumbnails: [], footage: { start: 100_000, end: 460_000 } });
    store.close();
  });

  it('events: open ones however old, the look-back day, and the cap', () => {
    const { store, camera, service } = openStore();
    const c = camera('yard');
    const from = 20 * DAY;
    const to = 21 * DAY;
    c.event('tamper', 2 * DAY, null); // open for 18 days: shown
    c.event('motion', 3 * DAY, 3 * DAY + 5000); // long over: not shown
    c.event('motion', from - 3600_000, from + 1000); // began in the look-back day, runs into the window
    c.event('motion', from - 7200_000, from - 3600_000); // ended before the window
    c.event('motion', from - 600_000, null); // open, began within the day before
    c.event('motion', to, to + 1000); // starts at the window's end: outside
    for (let i = 0; i < MAX_EVENTS_PER_CAMERA + 5; i++) c.event(i % 2 ? 'motion' : 'line', from + 10_000 + i * 20, from + 10_000 + i * 20 + 10);
    const [a] = service.get({ cameras: [c.id], from, to }).cameras;
    expect(a).toEqual({ cameraId: c.id, name: 'yard', ...reference(c, from, to, 0) });
    expect(a.events.slice(0, 3).map((e) => e.kind)).toEqual(['tamper', 'motion', 'motion']);
    expect(a.events).toHaveLength(MAX_EVENTS_PER_CAMERA);
    expect(a.eventsTruncated).toBe(true);
    const [b] = service.get({ cameras: [c.id], from: 5 * DAY, to: 6 * DAY }).cameras;
    expect(b.events).toEqual([{ id: c.events[0].id, kind: 'tamper', start: 2 * DAY, end: null }]);
    expect(b.eventsTruncated).toBe(false);
    store.close();
  });

  it('equals the reference for random footage, events and windows', () => {
    const { store, camera, service } = openStore();
    let seed = 1234;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const cams = [camera('a'), camera('b'), camera('c'), camera('empty')];
    for (const c of cams.slice(0, 3)) {
      let t = Math.floor(random() * 3_600_000);
      for (let i = 0; i < 300; i++) {
        const r = random();
        t += r < 0.1 ? Math.floor(random() * 4 * 3_600_000) : r < 0.25 ? Math.floor(random() * 999) : 0; // outages, sub-tolerance holes
        const len = random() < 0.15 ? 50 + Math.floor(random() * 900) : 10_000 + Math.floor(random() * 60_000); // some slivers
        c.segment(t, t + len);
        t += len;
      }
      for (let i = 0; i < 200; i++) {
        const s = Math.floor(random() * 3 * DAY) - DAY;
        c.event(random() < 0.5 ? 'motion' : 'tamper', s, random() < 0.1 ? null : s + Math.floor(random() * 600_000));
      }
    }
    for (let q = 0; q < 60; q++) {
      const from = Math.floor(random() * 2 * DAY) - 3_600_000;
      const to = from + 1 + Math.floor(random() * (q % 3 ? DAY : 3_600_000));
      const thumbnails = Math.floor(random() * 120);
      const answer = service.get({ cameras: cams.map((c) => c.id), from, to, thumbnails });
      cams.forEach((c, i) => {
        expect(answer.cameras[i], `camera ${c.id}, query ${q}: [${from}, ${to}) × ${thumbnails}`).toEqual({ cameraId: c.id, name: ['a', 'b', 'c', 'empty'][i], ...reference(c, from, to, thumbnails) });
      });
    }
    store.close();
  });
});
