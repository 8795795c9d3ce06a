// Timeline API and evidence-grade export, against footage recorded from two
// simulated cameras (2 s segments; camera A switched off for a few seconds,
// so it has a gap):
//  (3) an export spanning a segment boundary and A's gap has the right
//      duration per camera (and the right frames: the burnt-in barcode of every
//      frame matches the manifest's time mapping), its manifest verifies,
//      flipping one byte makes verify fail, and a cancelled export leaves
//      nothing behind;
//  (4) clear errors for a range without footage, a reversed range, an unknown camera;
//  (5) retention running during an export does not delete the footage it uses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readSync, writeSync, closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { recordSegments, sleep, startTimelineFixture, stopRecording, type TimelineFixture } from './fixture.ts';
import { decodeTimestamps } from '../sim/signature.ts';
import type { ExportJob, Timeline, VerifyReport } from '../../preload/api.ts';
import type { SegmentRow } from '../../main/engine/storage/store.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let f: TimelineFixture;
let A: number;
let B: number;
let gap: { start: number; end: number };
let exportsDir: string;

function probeDuration(file: string): number {
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  return Math.round(Number(out.trim()) * 1000);
}

async function waitJob(id: number, until: (j: ExportJob) => boolean = (j) => !['queued', 'running'].includes(j.state)): Promise<ExportJob> {
  return f.waitFor(`export ${id}`, async () => {
    const r = await f.api<ExportJob>('GET', `/api/exports/${id}`);
    return until(r.body) ? r.body : null;
  }, 60_000);
}

function verifyCli(folder: string): { code: number; out: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'main/verify.ts'), folder], { encoding: 'utf8', cwd: ROOT });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

beforeAll(async () => {
  f = await startTimelineFixture([{ fps: 15, color: 0 }, { fps: 15, color: 2 }]);
  [A, B] = f.cameraIds;
  exportsDir = join(f.app.engine.store.recordingsRoot, '..', 'exports');
  await recordSegments(f, A, 3);
  await stopRecording(f, A);
  const before = f.segments(A);
  await sleep(5000);
  await f.app.engine.cameras.update({ id: A, enabled: true });
  await f.waitFor('3 segments after the gap', () => f.segments(A).length >= before.length + 3, 60_000);
  await stopRecording(f, A);
  await stopRecording(f, B);
  const after = f.segments(A).filter((s) => s.start > before[before.length - 1].start);
  gap = { start: before[before.length - 1].end, end: after[0].start };
}, 150_000);

afterAll(async () => {
  await f?.stop();
}, 30_000);

describe('timeline', () => {
  it('shows spans, the gap and thumbnails per camera', async () => {
    const from = f.segments(A)[0].start - 10_000;
    const to = Date.now();
    const r = await f.api<Timeline>('GET', `/api/timeline?cameras=${A},${B}&from=${from}&to=${to}&thumbnails=20`);
    expect(r.status).toBe(200);
    const [a, b] = r.body.cameras;
    expect(a.spans).toHaveLength(2);
    expect(a.spans[0].end).toBe(gap.start);
    expect(a.spans[1].start).toBe(gap.end);
    expect(a.gaps.some((g) => g.start === gap.start && g.end === gap.end)).toBe(true);
    expect(b.spans).toHaveLength(1); // B never stopped
    expect(a.thumbnails.length).toBeGreaterThan(2);
    const img = await fetch(`http://127.0.0.1:${f.app.port}/api/thumbnails/${a.thumbnails[1].id}`, { headers: { Authorization: `Bearer ${f.app.token}` } });
    expect(img.status).toBe(200);
    expect(img.headers.get('content-type')).toBe('image/jpeg');
    const jpeg = Buffer.from(await img.arrayBuffer());
    expect(jpeg.subarray(0, 2).toString('hex')).toBe('ffd8');
    // Stored beside its segment, by a name reconciliation never takes for footage.
    const [segmentId, slot] = a.thumbnails[1].id.split('-').map(Number);
    const seg = f.app.engine.store.getSegment(segmentId)!;
    expect(existsSync(f.app.engine.store.absolutePath(seg.file.replace(/\.mp4$/, `.t${slot}.jpg`)))).toBe(true);
    expect((await f.api('GET', '/api/thumbnails/999999-0')).status).toBe(404);
    expect([400, 404]).toContain((await f.api('GET', '/api/thumbnails/..%2F..%2Fetc%2Fpasswd')).status);
  });

  it('shows camera events on their track and finds the next and previous one', async () => {
    const store = f.app.engine.store;
    const t = gap.end + 1500;
    const id = store.onvif.insertEvent({ cameraId: A, kind: 'motion', start: t, source: 'test', topic: 'RuleEngine/CellMotionDetector/Motion' });
    store.onvif.closeEvent(id, t + 800);
    const r = await f.api<Timeline>('GET', `/api/timeline?cameras=${A},${B}&from=${gap.start - 5000}&to=${gap.end + 5000}`);
    expect(r.body.cameras[0].events).toEqual([{ id, kind: 'motion', start: t, end: t + 800 }]);
    expect(r.body.cameras[1].events).toEqual([]);
    const next = await f.api<{ at: number; cameraId: number }>('GET', `/api/timeline/adjacent?cameras=${A},${B}&at=${gap.start}&direction=next&what=event`);
    expect(next.body).toMatchObject({ at: t, cameraId: A });
    const prev = await f.api<{ at: number | null }>('GET', `/api/timeline/adjacent?cameras=${B}&at=${t + 10_000}&direction=previous&what=event`);
    expect(prev.body.at).toBeNull(); // B has none
  });

  it('finds the next footage across a gap', async () => {
    const r = await f.api<{ at: number; cameraId: number }>('GET', `/api/timeline/adjacent?cameras=${A}&at=${gap.start - 500}&direction=next&what=footage`);
    expect(r.body).toMatchObject({ at: gap.end, cameraId: A });
  });
});

describe('export', () => {
  let job: ExportJob;
  let from: number;
  let to: number;

  it('cuts a range spanning a boundary and a gap into files of the right length per camera', async () => {
    const segsA = f.segments(A);
    const firstAfter = segsA.findIndex((s) => s.start === gap.end);
    from = segsA[firstAfter - 2].start + 1400; // inside a segment, 400 ms past its second keyframe
    to = segsA[firstAfter + 1].start + 700; // across the boundary into the second segment after the gap
    const created = await f.api<ExportJob>('POST', '/api/exports', { cameras: [A, B], from, to, mode: 'copy' });
    expect(created.status).toBe(201);
    job = await waitJob(created.body.id);
    expect(job.state, job.error ?? '').toBe('done');
    const folder = join(exportsDir, String(job.id));
    const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8'));
    expect(manifest.keepwatchVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(manifest.range).toMatchObject({ from, to });

    for (const cam of manifest.cameras) {
      const file = join(folder, cam.files[0]);
      const pieces = cam.pieces as { from: number; to: number; fileStartMs: number; fileEndMs: number }[];
      // Starts at the keyframe at or before `from` (one per second), ends with the fragment holding `to`.
      expect(from - pieces[0].from).toBeGreaterThanOrEqual(0);
      expect(from - pieces[0].from).toBeLessThanOrEqual(1000);
      expect(pieces[pieces.length - 1].to - to).toBeGreaterThanOrEqual(0);
      expect(pieces[pieces.length - 1].to - to).toBeLessThanOrEqual(400);
      const footage = pieces.reduce((n, p) => n + (p.to - p.from), 0);
      const probed = probeDuration(file);
      expect(Math.abs(probed - footage), `${cam.name}: file ${probed} ms, footage ${footage} ms`).toBeLessThanOrEqual(80);
      expect(Math.abs(cam.durationMs - probed)).toBeLessThanOrEqual(80);
      if (cam.id === A) {
        // Two pieces: the gap is left out, not filled.
        expect(pieces).toHaveLength(2);
        expect(Math.abs(pieces[0].to - gap.start)).toBeLessThanOrEqual(80);
        expect(pieces[1].from).toBe(gap.end);
      } else {
        expect(pieces).toHaveLength(1);
      }
      // Every frame is what the manifest says it is: its barcode (capture time)
      // follows the piece's UTC mapping with one constant latency, across the
      // boundary and the collapsed gap alike.
      const frames = (await decodeTimestamps(file)).filter((x) => x.epochMs !== null);
      expect(frames.length).toBeGreaterThan((footage / 1000) * 15 * 0.9);
      const lag = frames.map(({ pts, epochMs }) => {
        const ms = pts * 1000;
        const p = [...pieces].reverse().find((q) => ms >= q.fileStartMs - 1)!;
        return p.from + (ms - p.fileStartMs) - epochMs!;
      });
      // Measured spread: 70-330 ms (barcode steps of 100 ms, frames 67 ms apart,
      // a new run's first frames a little late). A misplaced segment or gap
      // would be off by seconds.
      expect(Math.max(...lag) - Math.min(...lag), `${cam.name} lag spread`).toBeLessThanOrEqual(400);
    }
    const [durA, durB] = [A, B].map((id) => job.durations.find((d) => d.cameraId === id)!.ms);
    // A lacks the gap that B recorded.
    expect(durB - durA).toBeGreaterThan(gap.end - gap.start - 1500);
    // Source segments are listed with their files' SHA-256 (checked here independently).
    expect(manifest.cameras[0].sourceSegments.length).toBeGreaterThanOrEqual(3);
    for (const cam of manifest.cameras) {
      for (const s of cam.sourceSegments) {
        const file = readFileSync(f.app.engine.store.absolutePath(s.file));
        expect(s.sha256).toBe(createHash('sha256').update(file).digest('hex'));
        expect(s.bytes).toBe(file.length);
      }
    }
    // Recordings are hashed soon after they are indexed; the export quoted those hashes.
    const hashedBefore = manifest.cameras.flatMap((c: { sourceSegments: { hashedAt: number }[] }) => c.sourceSegments).filter((s: { hashedAt: number }) => s.hashedAt < job.createdAt);
    expect(hashedBefore.length).toBeGreaterThan(0);
  }, 60_000);

  it('verifies; one flipped byte makes verify fail', async () => {
    const folder = join(exportsDir, String(job.id));
    const ok = verifyCli(folder);
    expect(ok.code, ok.out).toBe(0);
    expect(ok.out).toMatch(/match the manifest/);
    expect((await f.api<VerifyReport>('POST', `/api/exports/${job.id}/verify`)).body.ok).toBe(true);

    // The zip download holds the same files.
    const zip = await fetch(`http://127.0.0.1:${f.app.port}/api/exports/${job.id}/download`, { headers: { Authorization: `Bearer ${f.app.token}` } });
    expect(zip.status).toBe(200);
    const body = Buffer.from(await zip.arrayBuffer());
    expect(body.length).toBe(Number(zip.headers.get('content-length')));
    for (const file of job.files) expect(body.includes(Buffer.from(file.name))).toBe(true);

    const target = join(folder, job.files[0].name);
    const fd = openSync(target, 'r+');
    const one = Buffer.alloc(1);
    const at = Math.floor(job.files[0].bytes / 2);
    readSync(fd, one, 0, 1, at);
    one[0] ^= 0x01;
    writeSync(fd, one, 0, 1, at);
    closeSync(fd);
    const bad = verifyCli(folder);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain(job.files[0].name);
    const report = (await f.api<VerifyReport>('POST', `/api/exports/${job.id}/verify`)).body;
    expect(report.ok).toBe(false);
    expect(report.files.find((x) => x.name === job.files[0].name)?.problem).toMatch(/SHA-256 differs/);
  }, 60_000);

  it('a cancelled export leaves nothing behind', async () => {
    const created = await f.api<ExportJob>('POST', '/api/exports', { cameras: [A, B], from: f.segments(B)[0].start, to: Date.now(), mode: 'exact' });
    expect(created.status).toBe(201);
    const id = created.body.id;
    await waitJob(id, (j) => j.state === 'running' && j.stage.startsWith('re-encoding'));
    const cancelled = await f.api<ExportJob>('DELETE', `/api/exports/${id}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.state).toBe('cancelled');
    expect(readdirSync(exportsDir).filter((n) => n === String(id) || n.startsWith('.tmp-'))).toEqual([]);
    // No ffmpeg of the job is left running.
    const leftovers = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .map((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8');
        } catch {
          return '';
        }
      })
      .filter((cmd) => cmd.includes('work-camera-'));
    expect(leftovers).toEqual([]);
    expect((await f.api(`GET`, `/api/exports/${id}`)).body).toMatchObject({ state: 'cancelled' });
  }, 60_000);
});

describe('clear errors', () => {
  it('a range with no footage, a reversed range, an unknown camera', async () => {
    const none = await f.api<{ error: { code: string; message: string } }>('POST', '/api/exports', { cameras: [A], from: 1_000_000, to: 2_000_000 });
    expect(none.status).toBe(404);
    expect(none.body.error.message).toMatch(/no recorded footage of camera/);
    const gapOnly = await f.api<{ error: { message: string } }>('POST', '/api/exports', { cameras: [A], from: gap.start + 1500, to: gap.end - 1500 });
    expect(gapOnly.status).toBe(404);
    const reversed = await f.api<{ error: { code: string; message: string } }>('POST', '/api/exports', { cameras: [A], from: gap.end, to: gap.start });
    expect(reversed.status).toBe(400);
    expect(reversed.body.error.message).toMatch(/before "to"/);
    const unknown = await f.api<{ error: { code: string; message: string } }>('POST', '/api/exports', { cameras: [A, 9999], from: gap.start - 5000, to: gap.start });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toMatch(/no camera with id 9999/);
    expect((await f.api('POST', '/api/exports', { cameras: [], from: 1, to: 2 })).status).toBe(400);
    expect((await f.api('POST', '/api/exports', { cameras: [A], from: 1, to: 2, mode: 'fast' })).status).toBe(400);
    expect((await f.api('POST', '/api/exports', { cameras: [A], from: 1, to: 2, path: '/etc' })).status).toBe(400);
    // The timeline says the same things.
    expect((await f.api('GET', `/api/timeline?cameras=${A}&from=200&to=100`)).status).toBe(400);
    expect((await f.api('GET', `/api/timeline?cameras=9999&from=100&to=200`)).status).toBe(404);
    expect((await f.api('GET', `/api/timeline?cameras=abc&from=100&to=200`)).status).toBe(400);
    expect((await f.api('GET', '/api/exports/424242')).status).toBe(404);
  });
});

describe('desktop save', () => {
  it('writes a finished export into a folder the main process chose, and verifies the copy', async () => {
    const created = await f.api<ExportJob>('POST', '/api/exports', { cameras: [B], from: f.segments(B)[1].start, to: f.segments(B)[2].end });
    const done = await waitJob(created.body.id);
    expect(done.state).toBe('done');
    const parent = join(f.dir, 'chosen-by-dialog');
    mkdirSync(parent);
    const { folder, report } = await f.app.engine.exports.writeTo(done.id, parent);
    expect(folder.startsWith(parent)).toBe(true);
    expect(folder).toMatch(/keepwatch-export-\d+-\d{8}-\d{6}Z$/);
    expect(report.ok).toBe(true);
    expect(readdirSync(folder).sort()).toEqual(done.files.map((x) => x.name).sort());
    expect(readdirSync(parent)).toHaveLength(1); // no .partial left
    await expect(f.app.engine.exports.writeTo(done.id, parent)).rejects.toThrow(/already exists/);
  });
});

describe('retention during an export', () => {
  it('keeps the footage under a running export, and its thumbnails go with deleted footage', async () => {
    const segsA = f.segments(A);
    const post = segsA.filter((s) => s.start >= gap.end);
    const pre = segsA.filter((s) => s.end <= gap.start);
    // Thumbnails of the footage about to go (made on request).
    const thumbs = (s: SegmentRow) => f.app.engine.store.absolutePath(s.file.replace(/\.mp4$/, '.t0.jpg'));
    for (const s of pre) expect((await fetch(`http://127.0.0.1:${f.app.port}/api/thumbnails/${s.id}-0`, { headers: { Authorization: `Bearer ${f.app.token}` } })).status).toBe(200);
    expect(pre.every((s) => existsSync(thumbs(s)))).toBe(true);

    const range = { from: post[0].start, to: post[post.length - 1].end };
    const created = await f.api<ExportJob>('POST', '/api/exports', { cameras: [A], ...range, mode: 'exact' });
    expect(created.status).toBe(201);
    // Make all of A's footage due for deletion (age limit ~1 s), then run retention now.
    await f.app.engine.cameras.update({ id: A, retention: { maxAgeDays: 0.00001 } });
    const runningBefore = (await f.api<ExportJob>('GET', `/api/exports/${created.body.id}`)).body.state;
    const report = f.app.engine.retention.runOnce();
    const runningAfter = (await f.api<ExportJob>('GET', `/api/exports/${created.body.id}`)).body.state;
    expect([runningBefore, runningAfter]).toEqual(['running', 'running']); // retention really ran during the export
    expect(report.ageDeleted).toBeGreaterThan(0);
    for (const s of pre) expect(f.app.engine.store.getSegment(s.id), `pre-gap segment ${s.id} deleted`).toBeNull();
    await f.app.engine.store.collectGarbage(); // files are unlinked asynchronously, after their rows
    for (const s of pre) expect(existsSync(thumbs(s)), 'its thumbnail went with it').toBe(false);
    for (const s of post) expect(f.app.engine.store.getSegment(s.id), `held segment ${s.id}`).not.toBeNull();

    const done = await waitJob(created.body.id);
    expect(done.state, done.error ?? '').toBe('done');
    expect((await f.api<VerifyReport>('POST', `/api/exports/${done.id}/verify`)).body.ok).toBe(true);
    // The hold ended with the job: now the footage goes (except the camera's newest segment).
    f.app.engine.retention.runOnce();
    expect(post.filter((s) => f.app.engine.store.getSegment(s.id) !== null).length).toBeLessThanOrEqual(1);
  }, 90_000);
});
