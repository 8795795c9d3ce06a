/**
 * Start-up reconciliation: the rules of docs/storage.md, one by one, on a
 * store with real fragmented-MP4 files.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync, truncateSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../../main/engine/storage/store.ts';
import { reconcile } from '../../main/engine/storage/reconcile.ts';
import { ManualClock } from '../../main/engine/clock.ts';
import { MemorySink, createLogger } from '../../main/engine/log.ts';
import { tempDir } from '../helpers/tmp.ts';
import { probe, decodesCleanly } from '../helpers/media.ts';

const tmp = tempDir('kw-reconcile-');
let sample: string;

beforeAll(() => {
  sample = join(tmp.dir, 'sample.mp4');
  execFileSync('ffmpeg', [
    '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=25', '-t', '4', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25',
    '-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof+skip_trailer', '-frag_duration', '250000', sample,
  ]);
});
afterAll(() => tmp.cleanup());

function setup(name: string) {
  const clock = new ManualClock(Date.UTC(2026, 10, 25, 12));
  const store = Store.open({ databaseFile: join(tmp.dir, `${name}.db`), recordingsRoot: join(tmp.dir, name), clock });
  const cam = store.insertCamera({ name: 'c', enabled: true, source: 'rtsp', credentials: null, maxAgeMs: null, streams: [{ kind: 'main', url: 'rtsp://h/' }] });
  const streamId = store.listStreams(cam)[0].id;
  const runId = store.startRun(streamId);
  const sink = new MemorySink();
  return { store, cam, streamId, runId, clock, log: createLogger({ sink }), sink };
}

describe('start-up reconciliation', () => {
  it('recovers a torn file at its last complete fragment, contiguous with its predecessor', async () => {
    const { store, cam, streamId, runId, clock, log } = setup('torn');
    const first = store.newSegmentFile(cam, runId, 1, clock.now());
    copyFileSync(sample, store.absolutePath(first));
    store.insertSegment({ cameraId: cam, streamId, runId, seq: 1, start: clock.now() - 8000, end: clock.now() - 4000, bytes: statSync(sample).size, codec: 'h264', width: 320, height: 180, file: first, recovered: false });
    const second = store.newSegmentFile(cam, runId, 2, clock.now());
    const abs = store.absolutePath(second);
    copyFileSync(sample, abs);
    truncateSync(abs, Math.floor(statSync(sample).size * 0.6)); // killed mid-fragment

    const report = await reconcile(store, log);
    expect(report).toMatchObject({ recovered: 1, discarded: 0, missingRowsRemoved: 0 });
    const row = store.segmentByRunSeq(runId, 2)!;
    expect(row.recovered).toBe(true);
    expect(row.start).toBe(clock.now() - 4000);
    expect(await decodesCleanly(abs)).toBe(true);
    const p = await probe(abs);
    expect(Math.abs(p.duration * 1000 - (row.end - row.start))).toBeLessThan(100);
    expect(row.end - row.start).toBeGreaterThan(1500);
    expect(statSync(abs).size).toBe(row.bytes);

    // Never indexed twice.
    expect((await reconcile(store, log)).recovered).toBe(0);
    expect(store.querySegments(cam, 0, clock.now() + 1).length).toBe(2);
    store.close();
  });

  it('removes rows whose files are gone and discards files with no frame or no owner', async () => {
    const { store, cam, streamId, runId, clock, log, sink } = setup('missing');
    const gone = store.newSegmentFile(cam, runId, 1, clock.now());
    store.insertSegment({ cameraId: cam, streamId, runId, seq: 1, start: 0, end: 1000, bytes: 10, codec: 'h264', width: 1, height: 1, file: gone, recovered: false });
    const headerOnly = store.newSegmentFile(cam, runId, 2, clock.now());
    writeFileSync(store.absolutePath(headerOnly), readFileSync(sample).subarray(0, 800));
    const orphan = store.newSegmentFile(99, 77, 1, clock.now()); // camera 99 / run 77 do not exist
    copyFileSync(sample, store.absolutePath(orphan));
    const garbageText = store.newSegmentFile(cam, runId, 3, clock.now());
    writeFileSync(store.absolutePath(garbageText), 'not an mp4 at all');

    const report = await reconcile(store, log);
    expect(report).toMatchObject({ recovered: 0, discarded: 3, missingRowsRemoved: 1 });
    expect(store.getSegment(1)).toBeNull();
    await store.collectGarbage();
    for (const f of [headerOnly, orphan, garbageText]) expect(existsSync(store.absolutePath(f))).toBe(false);
    expect(store.totalBytes()).toBe(0);
    expect(sink.lines.join('\n')).toMatch(/belongs to no known run/);
    store.close();
  });

  it('places a recovered first segment so it ends at its last write', async () => {
    const { store, cam, runId, clock, log } = setup('first');
    const rel = store.newSegmentFile(cam, runId, 1, clock.now());
    const abs = store.absolutePath(rel);
    copyFileSync(sample, abs);
    truncateSync(abs, Math.floor(statSync(sample).size * 0.7));
    const lastWrite = new Date(Date.UTC(2026, 10, 25, 11, 59, 30));
    utimesSync(abs, lastWrite, lastWrite);
    expect((await reconcile(store, log)).recovered).toBe(1);
    // Not the time of recovery: patching the header must not move the footage.
    expect(store.segmentByRunSeq(runId, 1)!.end).toBe(lastWrite.getTime());
    store.close();
  });

  it('closes runs the engine never ended, before the first await (no recorder started after it can lose its run)', async () => {
    const { store, log } = setup('runs');
    const pending = reconcile(store, log);
    const fresh = store.startRun(store.listStreams(store.listCameras()[0].id)[0].id);
    expect((await pending).runsClosed).toBe(1);
    expect((await reconcile(store, log)).runsClosed).toBe(1); // only the run started above, never the same run twice
    store.endRun(fresh, 'test');
    expect((await reconcile(store, log)).runsClosed).toBe(0);
    store.close();
  });
});
