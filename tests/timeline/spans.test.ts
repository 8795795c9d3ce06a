// The timeline merge: the pure interval functions, and the footage_spans
// table the store keeps in step with segment inserts and deletes (checked
// against a from-scratch merge after every random change).
import { describe, expect, it, afterEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mergeIntervals, gapsWithin, clipIntervals, JOIN_TOLERANCE_MS } from '../../main/engine/timeline/intervals.ts';
import { Store, databaseOf } from '../../main/engine/storage/store.ts';
import { ManualClock } from '../../main/engine/clock.ts';

describe('mergeIntervals', () => {
  it('joins touching and overlapping intervals, keeps real holes', () => {
    expect(
      mergeIntervals([
        { start: 0, end: 10_000 },
        { start: 10_000, end: 20_000 }, // touching
        { start: 20_500, end: 30_000 }, // 500 ms apart: same span
        { start: 35_000, end: 40_000 }, // 5 s hole: new span
        { start: 36_000, end: 38_000 }, // inside
      ]),
    ).toEqual([
      { start: 0, end: 30_000 },
      { start: 35_000, end: 40_000 },
    ]);
  });

  it('sorts its input and treats the tolerance as inclusive', () => {
    expect(mergeIntervals([{ start: 5000, end: 6000 }, { start: 0, end: 4000 }], 1000)).toEqual([{ start: 0, end: 6000 }]);
    expect(mergeIntervals([{ start: 5001, end: 6000 }, { start: 0, end: 4000 }], 1000)).toHaveLength(2);
  });

  it('finds gaps within a window and clips spans to it', () => {
    const spans = [
      { start: 100, end: 200 },
      { start: 300, end: 400 },
    ];
    expect(gapsWithin(spans, 0, 500)).toEqual([
      { start: 0, end: 100 },
      { start: 200, end: 300 },
      { start: 400, end: 500 },
    ]);
    expect(gapsWithin(spans, 150, 350)).toEqual([{ start: 200, end: 300 }]);
    expect(gapsWithin([], 0, 10)).toEqual([{ start: 0, end: 10 }]);
    expect(clipIntervals(spans, 150, 350)).toEqual([
      { start: 150, end: 200 },
      { start: 300, end: 350 },
    ]);
  });
});

describe('footage_spans kept by the store', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('always equals a fresh merge of the segments, through random inserts and deletes', () => {
    dir = mkdtempSync(join(tmpdir(), 'kw-spans-'));
    const store = Store.open({ databaseFile: join(dir, 'db'), recordingsRoot: join(dir, 'rec'), clock: new ManualClock(0) });
    try {
      const cams = [1, 2].map((n) =>
        store.insertCamera({ name: `c${n}`, enabled: true, source: 'rtsp', credentials: null, maxAgeMs: null, streams: [{ kind: 'main', url: `rtsp://127.0.0.1/${n}` }] }),
      );
      let seed = 42;
      const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      const live = new Map<number, { id: number; cameraId: number; start: number; end: number }>();
      const cursor = new Map(cams.map((c) => [c, 0]));
      let seq = 0;
      for (let step = 0; step < 600; step++) {
        const cameraId = cams[Math.floor(random() * cams.length)];
        if (random() < 0.65 || live.size < 5) {
          // Mostly contiguous, sometimes small jitter, sometimes a real outage.
          const r = random();
          const hole = r < 0.1 ? 5000 + Math.floor(random() * 20000) : r < 0.3 ? Math.floor(random() * 900) : 0;
          const start = cursor.get(cameraId)! + hole;
          // Some slivers shorter than the join tolerance (a crash-cut segment).
          const end = start + (random() < 0.2 ? 100 + Math.floor(random() * 800) : 2000 + Math.floor(random() * 2000));
          cursor.set(cameraId, end);
          const streamId = store.listStreams(cameraId)[0].id;
          const runId = store.startRun(streamId);
          const row = { cameraId, streamId, runId, seq: ++seq, start, end, bytes: 10, codec: 'h264', width: 1, height: 1, file: `c${cameraId}/x/r${runId}-${seq}.mp4`, recovered: false };
          const id = store.insertSegment(row);
          live.set(id, { id, cameraId, start, end });
        } else {
          // Delete: usually the oldest (retention), sometimes from the middle (a hold kept others).
          const ids = [...live.values()].filter((s) => s.cameraId === cameraId).sort((a, b) => a.start - b.start);
          if (!ids.length) continue;
          const victim = random() < 0.5 ? ids[0] : ids[Math.floor(random() * ids.length)];
          if (random() < 0.5) store.deleteSegments([victim.id]);
          else store.forgetSegments([victim.id]);
          live.delete(victim.id);
        }
        for (const c of cams) {
          const expected = mergeIntervals([...live.values()].filter((s) => s.cameraId === c));
          expect(store.footage.query(c, -1, Number.MAX_SAFE_INTEGER), `camera ${c} after step ${step}`).toEqual(expected);
        }
      }
      expect(JOIN_TOLERANCE_MS).toBe(1000);
    } finally {
      store.close();
    }
  });

  it('a new database built from existing segments gets the same spans (migration backfill)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'kw-spans-'));
    const store = Store.open({ databaseFile: join(dir, 'db'), recordingsRoot: join(dir, 'rec'), clock: new ManualClock(0) });
    const cam = store.insertCamera({ name: 'c', enabled: true, source: 'rtsp', credentials: null, maxAgeMs: null, streams: [{ kind: 'main', url: 'rtsp://127.0.0.1/a' }] });
    const streamId = store.listStreams(cam)[0].id;
    const runId = store.startRun(streamId);
    const times = [[0, 2000], [2000, 4000], [4500, 6000], [9000, 11000], [11001, 12000]];
    times.forEach(([start, end], i) =>
      store.insertSegment({ cameraId: cam, streamId, runId, seq: i + 1, start, end, bytes: 1, codec: null, width: null, height: null, file: `f${i}.mp4`, recovered: false }),
    );
    const kept = store.footage.query(cam, 0, 1e9);
    // Re-run the migration's backfill on the same rows.
    databaseOf(store).exec('DELETE FROM footage_spans');
    const sql = (await import('node:fs')).readFileSync(new URL('../../main/engine/storage/schema/002_timeline.sql', import.meta.url), 'utf8');
    const backfill = sql.slice(sql.indexOf('INSERT INTO footage_spans'), sql.indexOf('GROUP BY camera_id, span_no;') + 'GROUP BY camera_id, span_no;'.length);
    databaseOf(store).exec(backfill);
    expect(store.footage.query(cam, 0, 1e9)).toEqual(kept);
    expect(kept).toEqual([{ start: 0, end: 6000 }, { start: 9000, end: 12000 }]);
    store.close();
  });
});
