/**
 * Timeline, playback and export benchmark (wired into `npm run bench` by
 * bench/run.ts as `timeline`).
 *
 * - Timeline query, a week × 16 cameras: 161k synthetic 60 s segment rows
 *   (with an outage every few hours, so there are spans and gaps to merge)
 *   and motion events, through TimelineService as the API calls it (spans,
 *   gaps, events and 48 thumbnail ids per camera). Median of 25, with the
 *   spread. Target ≤ 10 ms.
 * - Export of 1 h of 1080p: one 60 s 1080p 4 Mb/s fragmented-MP4 segment made
 *   with ffmpeg (moving grain for a real bitrate), copied as 60 consecutive
 *   indexed segments. A copy export of that hour (read every source, rebase,
 *   write, SHA-256 of the output, fsync; the sources' SHA-256 taken at
 *   indexing, as in steady state) against a plain copy of the same 60 files
 *   through user space (read + write, fsync of every file, its folder and the
 *   folder's parent: as durable as the export), run in pairs (each run
 *   starting from a flushed disk, right after an untimed run of its own kind;
 *   copy first in even pairs, export first in odd ones): the ratio of each
 *   pair, median, spread and every pair's ratio of 5 pairs
 *   (KW_BENCH_EXPORT_PAIRS), once on the machine as it is and once with a
 *   busy process per core running throughout ("under load").
 *   Target: export throughput ≥ 0.8 × the plain copy's, in both. Also shown:
 *   the kernel's copy_file_range (copyFile), the export when it must hash the
 *   sources too, and ffmpeg's concat demuxer with `-c copy` (no hashing).
 * - Seek to first frame in Chromium: the Timeline page on that hour; jumps to
 *   random moments; time from the jump to the frame at the target decoded
 *   (readyState ≥ 2, not seeking, currentTime at the target). Median.
 *   Target ≤ 500 ms.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, copyFileSync, fsyncSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { chromium } from 'playwright-core';
import { Store, databaseOf } from '../main/engine/storage/store.ts';
import { ManualClock } from '../main/engine/clock.ts';
import { TimelineService } from '../main/engine/timeline/timeline-service.ts';
import { startHeadless } from '../main/headless.ts';
import { MemorySink } from '../main/engine/log.ts';
import { buildRenderer } from '../tests/timeline/fixture.ts';
import type { BenchRow } from './report.ts';

const GROUP = 'timeline';
const DAY = 86_400_000;
const SEG = 60_000;
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}: ${err}`))));
  });
}

function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  fsyncSync(fd);
  closeSync(fd);
}

// ---------------------------------------------------------------------------

function timelineQuery(rows: BenchRow[]): void {
  const dir = mkdtempSync(join(tmpdir(), 'kw-bench-timeline-'));
  try {
    const end = Date.UTC(2026, 10, 1);
    const store = Store.open({ databaseFile: join(dir, 'k.db'), recordingsRoot: join(dir, 'rec'), clock: new ManualClock(end) });
    const cams: number[] = [];
    const t0 = performance.now();
    databaseOf(store).transaction(() => {
      const event = databaseOf(store).prepare('INSERT INTO events (camera_id, kind, start_ms, end_ms) VALUES (?, ?, ?, ?)');
      for (let c = 0; c < 16; c++) {
        const id = store.insertCamera({ name: `cam ${c}`, enabled: false, source: 'rtsp', credentials: null, maxAgeMs: null, streams: [{ kind: 'main', url: `rtsp://10.0.0.${c + 1}/` }] });
        cams.push(id);
        const streamId = store.listStreams(id)[0].id;
        let runId = store.startRun(streamId);
        let seq = 0;
        const n = (7 * DAY) / SEG;
        for (let k = 0; k < n; k++) {
          // A 5-minute outage every ~6 hours (different per camera): a new run.
          if (k % (360 + c) === 359) {
            k += 5;
            runId = store.startRun(streamId);
            seq = 0;
            continue;
          }
          const start = end - 7 * DAY + k * SEG;
          store.insertSegment({ cameraId: id, streamId, runId, seq: ++seq, start, end: start + SEG, bytes: 30_000_000, codec: 'h264', width: 1920, height: 1080, file: `c${id}/x/r${runId}-${String(seq).padStart(6, '0')}.mp4`, recovered: false });
          if (k % 20 === 7) event.run(id, 'motion', start + 5_000, start + 25_000);
        }
      }
    })();
    const fillMs = performance.now() - t0;
    const total = (databaseOf(store).prepare('SELECT COUNT(*) AS n FROM segments').get() as { n: number }).n;
    const service = new TimelineService(store, new ManualClock(end));
    const q = { cameras: cams, from: end - 7 * DAY, to: end, thumbnails: 48 };
    const sample = service.get(q);
    const times: number[] = [];
    for (let i = 0; i < 26; i++) {
      const a = performance.now();
      service.get(q);
      if (i > 0) times.push(performance.now() - a);
    }
    const ms = median(times);
    const sorted = [...times].sort((a, b) => a - b);
    const spread = `${sorted[0].toFixed(1)}-${sorted[sorted.length - 1].toFixed(1)} ms, middle half ${sorted[Math.floor(sorted.length / 4)].toFixed(1)}-${sorted[Math.floor((3 * sorted.length) / 4)].toFixed(1)}`;
    const spans = sample.cameras.reduce((n, c) => n + c.spans.length, 0);
    const events = sample.cameras.reduce((n, c) => n + c.events.length, 0);
    rows.push({
      group: GROUP,
      name: 'timeline query: 16 cameras × 7 days (spans, gaps, events, 48 thumbnails each)',
      value: ms,
      unit: 'ms',
      target: '≤ 10',
      pass: ms <= 10,
      note: `median of ${times.length} (${spread}); ${total} segment rows → ${spans} spans, ${events} events; rows made in ${(fillMs / 1000).toFixed(1)} s`,
    });
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------

interface Hour {
  dir: string;
  dataDir: string;
  cameraId: number;
  start: number;
  files: string[];
  bytes: number;
}

/** One 60 s 1080p segment made with ffmpeg, indexed 60 times as one hour of one camera. */
async function synthesizeHour(minutes: number): Promise<Hour> {
  const dir = mkdtempSync(join(tmpdir(), 'kw-bench-export-'));
  const segment = join(dir, 'one.mp4');
  // Like a recorder's segment: fragmented, 250 ms fragments, keyframe every second, starting at 0.
  await run('ffmpeg', [
    '-hide_banner', '-nostdin', '-v', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=25:d=60',
    '-vf', 'noise=alls=10:allf=t,format=yuv420p',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-bf', '0', '-g', '25', '-keyint_min', '25', '-sc_threshold', '0',
    '-b:v', '4M', '-maxrate', '4M', '-bufsize', '8M',
    '-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '250000',
    '-f', 'mp4', segment,
  ]);
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const start = Date.UTC(2026, 10, 1, 12);
  const store = Store.open({ databaseFile: join(dataDir, 'keepwatch.db'), recordingsRoot: join(dataDir, 'recordings'), clock: new ManualClock(start + 2 * 3600_000) });
  const cameraId = store.insertCamera({ name: 'Bench 1080p', enabled: false, source: 'rtsp', credentials: null, maxAgeMs: null, streams: [{ kind: 'main', url: 'rtsp://127.0.0.1:9/bench' }] });
  const streamId = store.listStreams(cameraId)[0].id;
  const runId = store.startRun(streamId);
  const bytes = statSync(segment).size;
  const files: string[] = [];
  for (let k = 0; k < minutes; k++) {
    const s = start + k * SEG;
    const rel = store.newSegmentFile(cameraId, runId, k + 1, s);
    copyFileSync(segment, store.absolutePath(rel));
    files.push(store.absolutePath(rel));
    store.insertSegment({ cameraId, streamId, runId, seq: k + 1, start: s, end: s + SEG, bytes, codec: 'h264', width: 1920, height: 1080, file: rel, recovered: false });
  }
  store.endRun(runId, 'bench');
  store.close();
  rmSync(segment);
  return { dir, dataDir, cameraId, start, files, bytes: bytes * minutes };
}

async function exportVsCopy(rows: BenchRow[], hour: Hour, quick: boolean): Promise<void> {
  const app = await startHeadless({ dataDir: hour.dataDir, port: 0, staticDir: null, logSink: new MemorySink(), retentionIntervalMs: 3_600_000 });
  const busy: ChildProcess[] = [];
  try {
    app.engine.updateSettings({ freeSpaceFloorBytes: 0 });
    const copyDir = join(hour.dir, 'plain-copy');
    // Each run starts from a settled disk: earlier deletions (with this volume's
    // discards) are flushed before the clock starts. The plain copy's files go only just before the next plain copy: memory this VM
    // has not used for a couple of seconds is slow to touch again (see "Warm" below),
    // and a copy must not pay for that while the export, which writes with O_DIRECT,
    // never does. So each plain copy reuses the page cache its predecessor just freed.
    const settle = (dropCopy: boolean) => {
      if (dropCopy) rmSync(copyDir, { recursive: true, force: true });
      execFileSync('sync');
    };
    const plainCopy = () => {
      settle(true);
      mkdirSync(copyDir);
      const t = performance.now();
      for (const [i, f] of hour.files.entries()) {
        const to = join(copyDir, `${i}.mp4`);
        copyFileSync(f, to);
        fsyncFile(to);
      }
      fsyncFile(copyDir);
      fsyncFile(hour.dir);
      return performance.now() - t;
    };
    // The same copy through user space (read + write + fsync), as any tool that looks at the bytes does.
    const userCopy = async () => {
      settle(true);
      mkdirSync(copyDir);
      const buf = Buffer.allocUnsafe(8 * 1024 * 1024);
      const t = performance.now();
      for (const [i, f] of hour.files.entries()) {
        const to = join(copyDir, `${i}.mp4`);
        const src = await open(f, 'r');
        const dst = await open(to, 'w');
        for (;;) {
          const { bytesRead } = await src.read(buf, 0, buf.length, null);
          if (!bytesRead) break;
          await dst.write(buf, 0, bytesRead);
        }
        await dst.sync();
        await src.close();
        await dst.close();
      }
      // As durable as an export: every file, its folder, and the folder's entry in its parent.
      fsyncFile(copyDir);
      fsyncFile(hour.dir);
      return performance.now() - t;
    };
    const maxLagMs = { quiet: 0, loaded: 0 }; // the event loop's longest stall while an export ran
    const exportOnce = async (cold = false) => {
      // Steady state: recordings are hashed in the background soon after they are indexed.
      if (cold) databaseOf(app.engine.store).prepare('DELETE FROM segment_hashes').run();
      else await app.engine.sourceHashes.idle();
      settle(false);
      const lag = monitorEventLoopDelay({ resolution: 10 });
      lag.enable();
      const t = performance.now();
      const job = app.engine.exports.create({ cameras: [hour.cameraId], from: hour.start, to: hour.start + hour.files.length * SEG, mode: 'copy' });
      const done = await app.engine.exports.settled(job.id);
      const ms = performance.now() - t;
      lag.disable();
      const lagKey = busy.length ? 'loaded' : 'quiet';
      maxLagMs[lagKey] = Math.max(maxLagMs[lagKey], lag.max / 1e6);
      if (done.state !== 'done') throw new Error(`export ${done.state}: ${done.error}`);
      await app.engine.exports.cancel(job.id); // delete it: keep the disk free
      return ms;
    };
    // Pairs of (plain copy, export) back to back, so both see the same machine; the
    // order alternates (copy first in even pairs, export first in odd ones) so that
    // neither side always inherits what the other left behind. Each timed run comes
    // right after an untimed run of the same kind (see "Warm" below).
    type Pair = { user: number; exp: number; ratio: number; exportFirst: boolean };
    const warmCopy = async () => {
      await userCopy();
      return userCopy();
    };
    const warmExport = async () => {
      await exportOnce();
      return exportOnce();
    };
    const pairs = async (n: number) => {
      const out: Pair[] = [];
      for (let i = 0; i < n; i++) {
        const exportFirst = i % 2 === 1;
        let user: number, exp: number;
        if (exportFirst) {
          exp = await warmExport();
          user = await warmCopy();
        } else {
          user = await warmCopy();
          exp = await warmExport();
        }
        out.push({ user, exp, ratio: user / exp, exportFirst });
      }
      return out;
    };
    const nPairs = Number(process.env.KW_BENCH_EXPORT_PAIRS) || 5;
    // Warm the page cache with the sources (and the index cache with one export).
    for (const f of hour.files) execFileSync('cat', [f], { stdio: ['ignore', 'ignore', 'ignore'], maxBuffer: 1 });
    await app.engine.sourceHashes.idle();
    await exportOnce();
    const copies = [plainCopy(), plainCopy()];
    // Warm: on this VM memory left free for a couple of seconds is handed back to
    // the host (virtio-balloon free page reporting) and the first large buffered
    // write after that refaults it page by page: measured, the plain copy then
    // spends ~1.4 s instead of ~0.25 s of system time and runs at ~300 MB/s instead
    // of ~1000. The export writes with O_DIRECT and never meets this. That is what
    // made every first pair's plain copy ~290 MB/s (ratio ≈ 4): it was the first
    // buffered write of the run. It also hit a copy that followed exports, so each
    // timed run now follows an untimed run of its own kind.
    const quiet = await pairs(nPairs);
    // Under load: a busy process per core for the whole measurement.
    for (let i = 0; i < cpus().length; i++) busy.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
    const loaded = await pairs(nPairs);
    for (const p of busy.splice(0)) p.kill('SIGKILL');
    const coldMs = await exportOnce(true);
    rmSync(copyDir, { recursive: true, force: true });
    const copyMs = Math.min(...copies);
    const userMs = median(quiet.map((p) => p.user));
    const exportMs = median(quiet.map((p) => p.exp));
    const mbps = (ms: number) => hour.bytes / 1e6 / (ms / 1000);
    const spread = (xs: number[]) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
    const ratioRow = (name: string, ps: Pair[]): BenchRow => {
      const ratios = ps.map((p) => p.ratio);
      const ratio = median(ratios);
      const worst = Math.min(...ratios);
      return {
        group: GROUP,
        name,
        value: ratio,
        unit: '×',
        target: '≥ 0.8 in every pair',
        pass: worst >= 0.8,
        note:
          `median of ${ps.length} pairs, spread ${spread(ratios)}; each pair (e = export ran first): ` +
          ps.map((p) => `${p.ratio.toFixed(2)}${p.exportFirst ? 'e' : ''}`).join(' ') +
          `; copy ${ps.map((p) => Math.round(mbps(p.user))).join('/')} MB/s, export ${ps.map((p) => Math.round(mbps(p.exp))).join('/')} MB/s`,
      };
    };
    rows.push(
      { group: GROUP, name: `plain copy of ${hour.files.length} min of 1080p (${(hour.bytes / 1e9).toFixed(2)} GB), read + write + fsync`, value: mbps(userMs), unit: 'MB/s', note: `${(userMs / 1000).toFixed(2)} s, median of ${quiet.length}` },
      { group: GROUP, name: 'the same, kernel copy (copyFile = copy_file_range) + fsync', value: mbps(copyMs), unit: 'MB/s', note: `${(copyMs / 1000).toFixed(2)} s, best of ${copies.length}: the bytes never reach user space` },
      { group: GROUP, name: 'copy export of the same footage (rebased fMP4, SHA-256 of the output, fsync; sources hashed at indexing)', value: mbps(exportMs), unit: 'MB/s', note: `${(exportMs / 1000).toFixed(2)} s, median of ${quiet.length}; the event loop stalled ${Math.round(maxLagMs.quiet)} ms at most during an export (${Math.round(maxLagMs.loaded)} ms under load)` },
      { group: GROUP, name: 'the same export hashing every source file too (footage not hashed yet)', value: mbps(coldMs), unit: 'MB/s', note: `${(coldMs / 1000).toFixed(2)} s, one run` },
      ratioRow('export speed ÷ plain copy speed (read + write)', quiet),
      ratioRow(`export speed ÷ plain copy speed under load (a busy process on each of the ${cpus().length} cores)`, loaded),
      { group: GROUP, name: 'export speed ÷ kernel copy speed', value: copyMs / exportMs, unit: '×', note: 'no target: an export must read, rebase and hash the bytes' },
    );
    if (!quick) {
      // Reference: ffmpeg's concat demuxer, -c copy, into one fragmented MP4 (no hashing).
      const list = join(hour.dir, 'list.txt');
      writeFileSync(list, hour.files.map((f) => `file '${f.replace(/'/g, "'\\''")}'`).join('\n') + '\n');
      const out = join(hour.dir, 'concat.mp4');
      const t = performance.now();
      await run('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', '-movflags', '+frag_keyframe+empty_moov+default_base_moof', out]);
      fsyncFile(out);
      const ms = performance.now() - t;
      rmSync(out);
      rows.push({ group: GROUP, name: 'reference: ffmpeg concat demuxer -c copy, same hour (no hashing)', value: mbps(ms), unit: 'MB/s', note: `${(ms / 1000).toFixed(2)} s` });
    }
  } finally {
    for (const p of busy) p.kill('SIGKILL');
    await app.stop();
  }
}

async function seekToFirstFrame(rows: BenchRow[], hour: Hour, quick: boolean): Promise<void> {
  const staticDir = await buildRenderer(join(hour.dir, 'renderer'));
  const app = await startHeadless({ dataDir: hour.dataDir, port: 0, staticDir, logSink: new MemorySink(), retentionIntervalMs: 3_600_000 });
  const context = await chromium.launchPersistentContext(mkdtempSync(join(hour.dir, 'chromium-')), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: CHROMIUM_ARGS,
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(app.url);
    const id = hour.cameraId;
    await page.goto(`http://127.0.0.1:${app.port}/#/timeline?cameras=${id}&t=${hour.start + 5000}`);
    await page.waitForSelector(`video[data-camera-id="${id}"]`);
    const times: number[] = [];
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const n = quick ? 6 : 12;
    for (let i = 0; i < n + 1; i++) {
      const target = Math.round(hour.start + 2000 + random() * (hour.files.length * SEG - 4000));
      // A string, not a function: tsx would wrap inner functions in a helper the page does not have.
      const ms = (await page.evaluate(`new Promise((resolve, reject) => {
        const v = document.querySelector('video[data-camera-id="${id}"]');
        const t0 = performance.now();
        location.hash = '#/timeline?cameras=${id}&t=${target}';
        const want = (${target} - Number(v.dataset.origin)) / 1000;
        const check = () => {
          if (performance.now() - t0 > 10000) {
            const b = [];
            for (let i = 0; i < v.buffered.length; i++) b.push([v.buffered.start(i).toFixed(3), v.buffered.end(i).toFixed(3)]);
            const page = document.querySelector('[data-testid=timeline-page]');
            return reject(new Error('no frame within 10 s: want ' + want.toFixed(3) + ' at ' + v.currentTime.toFixed(3) + ' readyState ' + v.readyState + ' seeking ' + v.seeking +
              ' state ' + v.dataset.state + ' buffered ' + JSON.stringify(b) + ' playhead ' + (page && page.getAttribute('data-playhead')) + ' target ${target} hash ' + location.hash));
          }
          if (v.readyState >= 2 && !v.seeking && Math.abs(v.currentTime - want) < 0.002) {
            // The frame at the target is decoded; a paused video may already have composited it
            // (then requestVideoFrameCallback would never fire).
            return resolve(performance.now() - t0);
          }
          requestAnimationFrame(check);
        };
        check();
      })`)) as number;
      if (i > 0) times.push(ms); // the first one also loads the page's code paths
      await page.waitForTimeout(300);
    }
    const ms = median(times);
    rows.push({
      group: GROUP,
      name: 'seek to first frame, 1080p 4 Mb/s, 60 s segments (Chromium, MSE)',
      value: ms,
      unit: 'ms',
      target: '≤ 500',
      pass: ms <= 500,
      note: `median of ${times.length} random jumps; worst ${Math.round(Math.max(...times))} ms`,
    });
  } finally {
    await context.close();
    await app.stop();
  }
}

export async function benchTimeline(opts: { quick?: boolean } = {}): Promise<BenchRow[]> {
  const quick = opts.quick ?? false;
  const rows: BenchRow[] = [];
  // KW_BENCH_EXPORT_ONLY=1: only the export measurement (while working on it).
  const exportOnly = process.env.KW_BENCH_EXPORT_ONLY === '1';
  if (!exportOnly) timelineQuery(rows);
  const hour = await synthesizeHour(Number(process.env.KW_BENCH_MINUTES) || (quick ? 20 : 60));
  try {
    await exportVsCopy(rows, hour, quick);
    if (!exportOnly) await seekToFirstFrame(rows, hour, quick);
  } finally {
    rmSync(hour.dir, { recursive: true, force: true });
  }
  return rows;
}
