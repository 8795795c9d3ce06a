/**
 * The segment-file API's promises at its edges: recordings are served only
 * from inside the recordings folder (symlinks resolved), with a validator
 * bound to the content and `Cache-Control: private, no-cache` (If-None-Match
 * → 304), files and folders storage creates are private (0600 / 0700), and
 * thumbnail jobs of a removed camera stop.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { ManualClock } from '../../main/engine/clock.ts';
import { silentLogger } from '../../main/engine/log.ts';
import { Store, type SegmentRow } from '../../main/engine/storage/store.ts';
import { resolveSegmentFile, sendFileWithRange } from '../../main/engine/playback/media.ts';
import { SegmentIndexCache } from '../../main/engine/playback/recording-index.ts';
import { ThumbnailService, DEFAULT_THUMBNAIL_OPTIONS } from '../../main/engine/thumbnails/thumbnail-service.ts';
import { thumbnailId } from '../../main/engine/thumbnails/thumbnail-id.ts';
import { ApiFailure } from '../../main/engine/errors.ts';
import { tempDir } from '../helpers/tmp.ts';
import { encodeFragmentedSample } from '../helpers/fragmented-sample.ts';

const tmp = tempDir('kw-segment-files-');
let sample: Buffer;
let store: Store;
let server: Server;
let base: string;
const T0 = Date.UTC(2026, 11, 6, 3);

function addSegment(cameraId: number, runId: number, seq: number, bytes: Buffer): SegmentRow {
  const file = store.newSegmentFile(cameraId, runId, seq, T0);
  writeFileSync(store.absolutePath(file), bytes);
  const row = { cameraId, streamId: store.listStreams(cameraId)[0].id, runId, seq, start: T0 + seq * 2000, end: T0 + seq * 2000 + 2000, bytes: bytes.length, codec: 'h264', width: 160, height: 90, file, recovered: false };
  return { id: store.insertSegment(row), ...row };
}

function camera(): { id: number; runId: number } {
  const id = store.insertCamera({ name: 'c', enabled: true, source: 'rtsp', credentials: null, maxAgeMs: null, streams: [{ kind: 'main', url: 'rtsp://camera.invalid/' }] });
  return { id, runId: store.startRun(store.listStreams(id)[0].id) };
}

beforeAll(async () => {
  const file = join(tmp.dir, 'sample.mp4');
  sample = encodeFragmentedSample(file, { seconds: 2, gop: 20 });
  store = Store.open({ databaseFile: join(tmp.dir, 'db'), recordingsRoot: join(tmp.dir, 'rec'), clock: new ManualClock(T0) });
  // The playback route in miniature: id → storage → sendFileWithRange.
  server = createServer((req, res) => {
    resolveSegmentFile(store, Number(req.url!.slice(1))).then(
      (file) => sendFileWithRange(res, file, req.headers.range, 'video/mp4', req.method === 'HEAD'),
      (err: unknown) => {
        res.writeHead(err instanceof ApiFailure && err.code === 'not_found' ? 404 : 500);
        res.end(err instanceof Error ? err.message : '');
      },
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  store.close();
  tmp.cleanup();
});

describe('serving recordings', () => {
  it('answers with a content-bound ETag and no-cache, and 304 when the browser already has it', async () => {
    const { id, runId } = camera();
    const seg = addSegment(id, runId, 1, sample);
    const first = await fetch(`${base}/${seg.id}`);
    expect(first.status).toBe(200);
    expect(Buffer.from(await first.arrayBuffer()).equals(sample)).toBe(true);
    expect(first.headers.get('cache-control')).toBe('private, no-cache');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"s\d+-/);

    const again = await fetch(`${base}/${seg.id}`, { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    expect((await again.arrayBuffer()).byteLength).toBe(0);
    const range = await fetch(`${base}/${seg.id}`, { headers: { Range: 'bytes=0-99' } });
    expect(range.status).toBe(206);
    expect(range.headers.get('etag')).toBe(etag);
    expect((await range.arrayBuffer()).byteLength).toBe(100);

    // Another row with the very same bytes never shares the validator.
    const twin = addSegment(id, runId, 2, sample);
    const twinTag = (await fetch(`${base}/${twin.id}`)).headers.get('etag');
    expect(twinTag).not.toBe(etag);
    expect((await fetch(`${base}/${twin.id}`, { headers: { 'If-None-Match': etag } })).status).toBe(200);

    // New content under the same row: the old validator no longer matches.
    writeFileSync(store.absolutePath(seg.file), Buffer.concat([sample, Buffer.from('x')]));
    utimesSync(store.absolutePath(seg.file), new Date(T0 + 5000), new Date(T0 + 5000));
    const changed = await fetch(`${base}/${seg.id}`, { headers: { 'If-None-Match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
  });

  it('serves nothing outside the recordings folder, and not_found for what is gone', async () => {
    const { id, runId } = camera();
    const outside = join(tmp.dir, 'secret.txt');
    writeFileSync(outside, 'not footage');
    const seg = addSegment(id, runId, 1, sample);
    // Replace the file by a symlink pointing out of the folder.
    const abs = store.absolutePath(seg.file);
    execFileSync('rm', [abs]);
    symlinkSync(outside, abs);
    const escaped = await fetch(`${base}/${seg.id}`);
    expect(escaped.status).toBe(404);
    expect(await escaped.text()).toMatch(/outside the recordings folder/);
    execFileSync('rm', [abs]);
    expect((await fetch(`${base}/${seg.id}`)).status).toBe(404);
    expect((await fetch(`${base}/999999`)).status).toBe(404);
    expect(() => store.absolutePath('../../etc/passwd')).toThrow(/outside the recordings folder/);
  });
});

describe('private files', () => {
  it('creates run folders 0700 and the files it writes 0600, whatever the umask', async () => {
    const old = process.umask(0o022);
    try {
      const { id, runId } = camera();
      const { folder } = await store.files.prepareRun(id, runId, T0 + 86_400_000);
      expect(statSync(store.absolutePath(folder)).mode & 0o777).toBe(0o700);
      const seg = addSegment(id, runId, 1, sample);
      const row = await store.thumbnails.save(seg, 0, 0, Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
      expect(statSync(store.absolutePath(row!.file)).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(old);
    }
  });
});

describe('thumbnails of a removed camera', () => {
  it('queued jobs are dropped and the running one is stopped', async () => {
    const { id, runId } = camera();
    const segments = [1, 2, 3, 4].map((seq) => addSegment(id, runId, seq, sample));
    const other = camera();
    const kept = addSegment(other.id, other.runId, 1, sample);
    const service = new ThumbnailService(store, new SegmentIndexCache(store), 'ffmpeg', silentLogger, { ...DEFAULT_THUMBNAIL_OPTIONS, backgroundEveryMs: 0 });
    await service.start();
    const requests = segments.map((s) => service.get(thumbnailId(s.id, 0)).then(() => 'made', (e: Error) => e.message));
    const survivor = service.get(thumbnailId(kept.id, 0));
    service.cameraRemoved(id);
    // The first job was already running (it had not reached ffmpeg yet): stopped too.
    const outcomes = await Promise.all(requests);
    expect(outcomes).toHaveLength(4);
    for (const o of outcomes) expect(o).toMatch(/camera \d+ was removed|thumbnail cancelled/);
    // Another camera's thumbnail is made as usual.
    expect((await survivor).row.segmentId).toBe(kept.id);
    for (const s of segments) expect(store.thumbnails.get(s.id, 0)).toBeNull();
    service.stop();
  });
});

describe('background thumbnails', () => {
  const options = { ...DEFAULT_THUMBNAIL_OPTIONS, backgroundEveryMs: 0, backgroundPauseMs: 0, batchWaitMs: 30_000, maxBatch: 4, machineBusy: () => false };
  const made = (s: SegmentRow) => store.thumbnails.get(s.id, 0) !== null;
  const settle = async (until: () => boolean) => {
    for (let i = 0; i < 400 && !until(); i++) await new Promise((r) => setTimeout(r, 25));
  };

  it('gather for a while and are made together, one picture per segment', async () => {
    const clock = new ManualClock(T0);
    const a = camera();
    const b = camera();
    const segments = [addSegment(a.id, a.runId, 1, sample), addSegment(b.id, b.runId, 1, sample), addSegment(a.id, a.runId, 2, sample)];
    const service = new ThumbnailService(store, new SegmentIndexCache(store), 'ffmpeg', silentLogger, options, clock);
    await service.start();
    for (const s of segments) service.onSegment(s);
    await new Promise((r) => setTimeout(r, 300));
    expect(segments.filter(made)).toHaveLength(0); // still gathering
    clock.advance(30_000);
    await settle(() => segments.every(made));
    for (const s of segments) expect(store.thumbnails.get(s.id, 0)).toMatchObject({ segmentId: s.id, slot: 0 });
    service.stop();
  });

  it('a full batch goes at once; a request does not wait for the batch; a removed camera is left out', async () => {
    const clock = new ManualClock(T0);
    const a = camera();
    const b = camera();
    const service = new ThumbnailService(store, new SegmentIndexCache(store), 'ffmpeg', silentLogger, options, clock);
    await service.start();
    const full = [1, 2, 3, 4].map((seq) => addSegment(a.id, a.runId, seq, sample));
    for (const s of full) service.onSegment(s);
    await settle(() => full.every(made));
    expect(full.every(made)).toBe(true); // maxBatch reached: no wait

    const asked = addSegment(b.id, b.runId, 1, sample);
    const gone = addSegment(a.id, a.runId, 5, sample);
    service.onSegment(asked);
    service.onSegment(gone);
    expect((await service.get(thumbnailId(asked.id, 0))).row.segmentId).toBe(asked.id);
    service.cameraRemoved(a.id);
    clock.advance(30_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(made(gone)).toBe(false);
    service.stop();
  });

  it('a second batch queued while the first runs takes nothing from it', async () => {
    const clock = new ManualClock(T0);
    const a = camera();
    const service = new ThumbnailService(store, new SegmentIndexCache(store), 'ffmpeg', silentLogger, options, clock);
    await service.start();
    const segments = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((seq) => addSegment(a.id, a.runId, seq, sample));
    for (const s of segments) service.onSegment(s); // two full batches at once, the ninth gathering
    clock.advance(30_000);
    await settle(() => segments.every(made));
    expect(segments.filter(made)).toHaveLength(9);
    service.stop();
  });

  it('none while the machine is busy', async () => {
    const clock = new ManualClock(T0);
    const a = camera();
    const segment = addSegment(a.id, a.runId, 1, sample);
    const service = new ThumbnailService(store, new SegmentIndexCache(store), 'ffmpeg', silentLogger, { ...options, machineBusy: () => true }, clock);
    await service.start();
    service.onSegment(segment);
    clock.advance(60_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(made(segment)).toBe(false);
    service.stop();
  });
});
