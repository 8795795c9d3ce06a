// Thumbnail files beside their footage: written crash-safely, deleted with
// their segment through the garbage queue, leftovers of a crash swept; and the
// one-at-a-time queue that makes them (requests first, bounded background).
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Store, databaseOf, parseSegmentFileName } from '../../main/engine/storage/store.ts';
import { ManualClock } from '../../main/engine/clock.ts';
import { JobQueue } from '../../main/engine/thumbnails/job-queue.ts';
import { parseThumbnailId, thumbnailId } from '../../main/engine/thumbnails/thumbnail-id.ts';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function storeWithSegments(n: number) {
  dir = mkdtempSync(join(tmpdir(), 'kw-thumbs-'));
  const store = Store.open({ databaseFile: join(dir, 'db'), recordingsRoot: join(dir, 'rec'), clock: new ManualClock(1_800_000_000_000) });
  const cam = store.insertCamera({ name: 'c', enabled: true, source: 'rtsp', credentials: null, maxAgeMs: null, streams: [{ kind: 'main', url: 'rtsp://127.0.0.1/a' }] });
  const streamId = store.listStreams(cam)[0].id;
  const runId = store.startRun(streamId);
  const segments = Array.from({ length: n }, (_, i) => {
    const start = 1_800_000_000_000 + i * 2000;
    const file = store.newSegmentFile(cam, runId, i + 1, start);
    writeFileSync(store.absolutePath(file), 'not really mp4');
    const row = { cameraId: cam, streamId, runId, seq: i + 1, start, end: start + 2000, bytes: 14, codec: 'h264', width: 1, height: 1, file, recovered: false };
    return { id: store.insertSegment(row), ...row };
  });
  return { store, segments };
}

const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);

describe('thumbnail files', () => {
  it('live beside their segment and go with it', async () => {
    const { store, segments } = storeWithSegments(3);
    const row = (await store.thumbnails.save(segments[0], 0, 0, JPEG))!;
    await store.thumbnails.save(segments[0], 1, 10_000, JPEG);
    expect(row.file).toBe(segments[0].file.replace(/\.mp4$/, '.t0.jpg'));
    expect(dirname(row.file)).toBe(dirname(segments[0].file));
    expect(parseSegmentFileName(row.file)).toBeNull(); // never mistaken for footage
    expect(store.listSegmentFilesOnDisk()).toHaveLength(3);
    expect(existsSync(store.absolutePath(row.file))).toBe(true);

    store.deleteSegments([segments[0].id]);
    await store.collectGarbage();
    expect(existsSync(store.absolutePath(row.file))).toBe(false);
    expect(existsSync(store.absolutePath(segments[0].file.replace(/\.mp4$/, '.t1.jpg')))).toBe(false);
    expect(store.thumbnails.get(segments[0].id, 0)).toBeNull();
    expect(databaseOf(store).prepare('SELECT COUNT(*) AS n FROM garbage').get()).toEqual({ n: 0 });
    store.close();
  });

  it('is not kept for a segment deleted before it was saved', async () => {
    const { store, segments } = storeWithSegments(2);
    store.deleteSegments([segments[1].id]);
    expect(await store.thumbnails.save(segments[1], 0, 0, JPEG)).toBeNull();
    expect(existsSync(store.absolutePath(segments[1].file.replace(/\.mp4$/, '.t0.jpg')))).toBe(false);
    store.close();
  });

  it('is dropped, file and all, when its segment is deleted while the JPEG is being written', async () => {
    const { store, segments } = storeWithSegments(2);
    const saving = store.thumbnails.save(segments[1], 0, 0, JPEG); // checks, then writes asynchronously
    store.deleteSegments([segments[1].id]); // retention, meanwhile
    expect(await saving).toBeNull();
    await store.collectGarbage();
    expect(store.thumbnails.get(segments[1].id, 0)).toBeNull();
    expect(existsSync(store.absolutePath(segments[1].file.replace(/\.mp4$/, '.t0.jpg')))).toBe(false);
    expect(existsSync(store.absolutePath(segments[1].file.replace(/\.mp4$/, '.t0.jpg.tmp')))).toBe(false);
    store.close();
  });

  it('goes with its camera, and with a segment whose file vanished', async () => {
    const { store, segments } = storeWithSegments(2);
    const a = (await store.thumbnails.save(segments[0], 0, 0, JPEG))!;
    rmSync(store.absolutePath(segments[0].file));
    store.forgetSegments([segments[0].id]); // reconciliation: the footage is gone, its picture goes too
    await store.collectGarbage();
    expect(existsSync(store.absolutePath(a.file))).toBe(false);
    const b = (await store.thumbnails.save(segments[1], 0, 0, JPEG))!;
    store.deleteCamera(segments[1].cameraId);
    await store.collectGarbage();
    expect(existsSync(store.absolutePath(b.file))).toBe(false);
    store.close();
  });

  it('leftovers of a crash (a JPEG without a row, a .tmp) are swept; the rest stays', async () => {
    const { store, segments } = storeWithSegments(2);
    const kept = (await store.thumbnails.save(segments[0], 0, 0, JPEG))!;
    const folder = dirname(store.absolutePath(segments[0].file));
    const [first, second] = segments.map((s) => basename(s.file, '.mp4'));
    writeFileSync(join(folder, `${second}.t0.jpg`), JPEG); // renamed, row never inserted
    writeFileSync(join(folder, `${second}.t3.jpg.tmp`), JPEG.subarray(0, 3)); // torn write
    writeFileSync(join(folder, 'notes.txt'), 'not ours');
    expect(await store.thumbnails.sweepLeftovers()).toBe(2);
    expect(readdirSync(folder).sort()).toEqual(['notes.txt', `${first}.mp4`, `${first}.t0.jpg`, `${second}.mp4`]);
    expect(existsSync(store.absolutePath(kept.file))).toBe(true);
    store.close();
  });

  it('ids name a segment and a slot, nothing else', () => {
    expect(parseThumbnailId(thumbnailId(812, 3))).toEqual({ segmentId: 812, slot: 3 });
    for (const bad of ['../1-0', '1-0/../../x', '0-1', '1', '1-', '-1-0', '1-0.jpg', '99999999999999999-0']) expect(parseThumbnailId(bad)).toBeNull();
  });
});

describe('thumbnail queue', () => {
  const tick = () => new Promise((r) => setTimeout(r, 5));

  it('runs one job at a time, requests before background work, and bounds the backlog', async () => {
    dir = mkdtempSync(join(tmpdir(), 'kw-thumbs-'));
    const q = new JobQueue<string>({ maxBackground: 3, backgroundPauseMs: 0 });
    const order: string[] = [];
    let running = 0;
    let most = 0;
    const job = (name: string) => async () => {
      running++;
      most = Math.max(most, running);
      order.push(name);
      await tick();
      running--;
      return name;
    };
    for (const n of ['b1', 'b2', 'b3', 'b4', 'b5']) q.enqueueBackground(n, job(n));
    const r = q.request('r1', job('r1'));
    const again = q.request('r1', job('r1-duplicate')); // joins the queued one
    expect(await r).toBe('r1');
    expect(await again).toBe('r1');
    await new Promise((res) => setTimeout(res, 100));
    expect(most).toBe(1);
    // b1 started at once; r1 went next; b2 fell off the bounded backlog.
    expect(order).toEqual(['b1', 'r1', 'b3', 'b4', 'b5']);
    q.stop();
    await expect(q.request('late', job('late'))).rejects.toThrow('stopped');
  });
});
