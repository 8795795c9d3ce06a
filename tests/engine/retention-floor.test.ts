/**
 * Retention against the free-space floor, with an injected volume reading: a
 * disk that fills up makes retention delete the oldest footage (never each
 * camera's newest), and footage lost before its age limit is counted.
 */
import { describe, it, expect } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Store } from '../../main/engine/storage/store.ts';
import { RetentionService } from '../../main/engine/retention/retention.ts';
import { ManualClock } from '../../main/engine/clock.ts';
import { silentLogger } from '../../main/engine/log.ts';
import { tempDir } from '../helpers/tmp.ts';

describe('free-space floor', () => {
  it('deletes the oldest footage until the floor is met', () => {
    const tmp = tempDir('kw-floor-');
    const clock = new ManualClock(Date.UTC(2026, 10, 25));
    const store = Store.open({ databaseFile: join(tmp.dir, 'k.db'), recordingsRoot: join(tmp.dir, 'rec'), clock });
    const cams = [0, 1].map((i) =>
      store.insertCamera({ name: `c${i}`, enabled: true, source: 'rtsp', credentials: null, maxAgeMs: 30 * 86_400_000, streams: [{ kind: 'main', url: `rtsp://h${i}/` }] }),
    );
    for (const cam of cams) {
      const streamId = store.listStreams(cam)[0].id;
      const runId = store.startRun(streamId);
      for (let k = 0; k < 10; k++) {
        const start = clock.now() - (10 - k) * 60_000 + cam; // interleave the cameras
        const file = store.newSegmentFile(cam, runId, k + 1, start);
        mkdirSync(dirname(store.absolutePath(file)), { recursive: true });
        writeFileSync(store.absolutePath(file), 'x');
        store.insertSegment({ cameraId: cam, streamId, runId, seq: k + 1, start, end: start + 60_000, bytes: 100, codec: 'h264', width: 1, height: 1, file, recovered: false });
      }
    }
    // The volume has 500 bytes free; the floor asks for 1,000: 500 bytes (5 segments) must go.
    let free = 500;
    const retention = new RetentionService(
      store, clock, silentLogger,
      () => ({ diskBudgetBytes: null, freeSpaceFloorBytes: 1000 }),
      () => ({ freeBytes: free + (2000 - store.totalBytes()), totalBytes: 1e6 }),
    );
    const report = retention.runOnce();
    expect(report.spaceDeleted).toBe(5);
    expect(report.earlyDeleted).toBe(5);
    expect(store.earlyDeletionSummary()).toMatchObject({ segments: 5, bytes: 500 });
    const left = cams.map((c) => store.querySegments(c, 0, clock.now() + 1e6));
    // Oldest first across both cameras.
    expect(left[0].length + left[1].length).toBe(15);
    expect(Math.abs(left[0].length - left[1].length)).toBeLessThanOrEqual(1);

    // Something else fills the disk completely: everything but each camera's newest goes, and it says so.
    free = -1_000_000;
    const r2 = retention.runOnce();
    expect(r2.problem).toMatch(/disk is full/);
    expect(cams.map((c) => store.querySegments(c, 0, clock.now() + 1e6).length)).toEqual([1, 1]);
    store.close();
    tmp.cleanup();
  });
});
