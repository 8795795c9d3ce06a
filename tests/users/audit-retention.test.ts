/**
 * The audit log is pruned with retention: kept as long as the oldest footage
 * it may speak of, and never less than 90 days.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Store } from '../../main/engine/storage/store.ts';
import { AUDIT_MIN_DAYS, RetentionService } from '../../main/engine/retention/retention.ts';
import { ManualClock } from '../../main/engine/clock.ts';
import { silentLogger } from '../../main/engine/log.ts';
import { tempDir } from '../helpers/tmp.ts';

const DAY = 86_400_000;

describe('audit retention', () => {
  it('keeps entries while their footage may exist, and at least 90 days', () => {
    const tmp = tempDir('kw-audit-ret-');
    const clock = new ManualClock(Date.UTC(2026, 11, 1));
    const store = Store.open({ databaseFile: join(tmp.dir, 'k.db'), recordingsRoot: join(tmp.dir, 'rec'), clock });
    const retention = new RetentionService(store, clock, silentLogger, () => ({ diskBudgetBytes: null, freeSpaceFloorBytes: 0 }), () => ({ freeBytes: 1e12, totalBytes: 1e12 }));
    const entry = (daysAgo: number) =>
      store.users.insertAudit({ at: clock.now() - daysAgo * DAY, action: 'playback', userId: 1, username: 'owner', cameraId: null, address: 'local', detail: `${daysAgo}` });
    const kept = () => store.users.queryAudit({ from: 0, to: clock.now() + 1, limit: 100 }).map((e) => Number(e.detail)).sort((a, b) => a - b);
    for (const d of [10, 89, 120, 200, 400]) entry(d);

    // No footage: 90 days.
    retention.runOnce();
    expect(AUDIT_MIN_DAYS).toBe(90);
    expect(kept()).toEqual([10, 89]);

    // Footage from 250 days ago: who watched it stays known as long as it exists.
    for (const d of [120, 200, 400]) entry(d);
    const camera = store.insertCamera({ name: 'c', enabled: true, source: 'rtsp', credentials: null, maxAgeMs: null, streams: [{ kind: 'main', url: 'rtsp://h/' }] });
    const streamId = store.listStreams(camera)[0].id;
    const runId = store.startRun(streamId);
    const start = clock.now() - 250 * DAY;
    const file = store.newSegmentFile(camera, runId, 1, start);
    mkdirSync(dirname(store.absolutePath(file)), { recursive: true });
    writeFileSync(store.absolutePath(file), 'x');
    store.insertSegment({ cameraId: camera, streamId, runId, seq: 1, start, end: start + 60_000, bytes: 1, codec: 'h264', width: 1, height: 1, file, recovered: false });
    retention.runOnce();
    expect(kept()).toEqual([10, 89, 120, 200]);
    store.close();
    tmp.cleanup();
  });
});
