/**
 * Ingest benchmark: N simulated 1080p H.264 cameras (4 Mb/s, re-served from a
 * pre-encoded file so the cameras themselves cost little) recorded by the
 * Keepwatch engine, against N bare `ffmpeg -c copy` segment recorders of the
 * same streams, in the same run. Measures CPU (% of one core) and RSS of the
 * engine plus its ffmpeg children, and checks no segment is missing. Each
 * camera count runs Keepwatch and bare ffmpeg alternately `repeats` times
 * (3; 2 with --quick) and reports the median ratio with every pair's ratio.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimCameras } from '../tests/sim/cameras.ts';
import { makeTestFile } from '../tests/sim/signature.ts';
import { tempDir } from '../tests/helpers/tmp.ts';
import { cpuPercent, sampleTree, stopProcess } from './proc-stats.ts';
import type { BenchRow } from './report.ts';
import { buildCli, startKeepwatch } from './keepwatch-cli.ts';

const CHILD_SOURCE = fileURLToPath(new URL('../tests/helpers/engine-child.ts', import.meta.url));
/** The product's default segment length. */
const SEGMENT_SECONDS = 60;

/**
 * The engine is measured as it ships: bundled JavaScript on plain Node (the
 * desktop app runs a bundle too), not through the tsx loader, whose own
 * background work would be charged to Keepwatch.
 */
async function bundleEngine(outDir: string): Promise<string> {
  const { build } = await import('esbuild');
  const outfile = join(outDir, 'engine-child.mjs');
  await build({
    entryPoints: [CHILD_SOURCE],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile,
    external: ['better-sqlite3'],
    // Aliased: bundled modules may import createRequire themselves.
    banner: { js: "import { createRequire as __kwRequire } from 'node:module'; const require = __kwRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  cpSync(fileURLToPath(new URL('../main/engine/storage/schema/', import.meta.url)), join(outDir, 'schema'), { recursive: true });
  return outfile;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/**
 * Not measured: connecting, and V8's one-off heap reduction a few seconds
 * after a Node process starts (about 20 ms of CPU at 8–10 s, which in a 20 s
 * window reads as 0.1 % of a core). A recorder runs for months: the steady
 * state is what it costs. The same wait applies to bare ffmpeg.
 */
const SETTLE_MS = 15_000;

async function measure(roots: number[], seconds: number): Promise<{ cpu: number; rss: number }> {
  const a = sampleTree(roots);
  let rss = a.rss;
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    await sleep(2000);
    rss = Math.max(rss, sampleTree(roots).rss);
  }
  const b = sampleTree(roots);
  return { cpu: cpuPercent(a, b), rss: Math.max(rss, b.rss) };
}


function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Keepwatch's recording path: one engine process, N ffmpeg children; its CPU, memory, and how many cameras missed segments. */
async function runKeepwatch(child: string, dataDir: string, urls: string[], seconds: number): Promise<{ usage: { cpu: number; rss: number }; missing: number }> {
  const n = urls.length;
  const engine = spawn(process.execPath, [child, dataDir, String(SEGMENT_SECONDS), ...urls], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, KW_RECORDING_ONLY: '1' },
  });
  const segments: { cameraId: number; runId: number; start: number; end: number }[] = [];
  createInterface({ input: engine.stdout! }).on('line', (line) => {
    const msg = JSON.parse(line) as { event: string; segment?: { cameraId: number; runId: number; start: number; end: number } };
    if (msg.event === 'segment') segments.push(msg.segment!);
  });
  await sleep(SETTLE_MS);
  const usage = await measure([engine.pid!], seconds);
  await stopProcess(engine);
  const perCamera = new Map<number, typeof segments>();
  for (const s of segments) perCamera.set(s.cameraId, [...(perCamera.get(s.cameraId) ?? []), s]);
  // Stopping the engine finishes each camera's open segment: at least one per camera, one run, contiguous.
  const expected = Math.max(1, Math.floor((seconds + SETTLE_MS / 1000) / SEGMENT_SECONDS));
  const missing = [...Array(n).keys()].filter((i) => {
    const segs = perCamera.get(i + 1) ?? [];
    const runs = new Set(segs.map((s) => s.runId)).size;
    const contiguous = segs.every((s, k) => k === 0 || s.start === segs[k - 1].end);
    return segs.length < expected || runs !== 1 || !contiguous;
  }).length;
  return { usage, missing };
}

/** Bare ffmpeg: the same streams, `-c copy` into MP4 segments, nothing else. */
async function runBare(dir: string, urls: string[], seconds: number): Promise<{ cpu: number; rss: number }> {
  mkdirSync(dir, { recursive: true });
  const spawnOne = (i: number) =>
    spawn('ffmpeg', [
      '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error',
      '-rtsp_transport', 'tcp', '-timeout', '5000000', '-i', urls[i],
      '-map', '0:v:0', '-c', 'copy', '-f', 'segment', '-segment_time', String(SEGMENT_SECONDS), '-reset_timestamps', '1',
      '-segment_format', 'mp4', '-segment_format_options', 'movflags=+frag_keyframe+empty_moov+default_base_moof',
      join(dir, `cam${i}-${Date.now()}-%05d.mp4`),
    ], { stdio: 'ignore' });
  const bare = urls.map((_, i) => spawnOne(i));
  const alive = (p: ChildProcess) => p.exitCode === null && p.signalCode === null;
  try {
    // A bare ffmpeg that fails to start (the simulated camera's first
    // packets sometimes lack the picture size) just exits, where Keepwatch's
    // recorder would reconnect: restart it, or the floor would be measured
    // with a camera fewer and every ratio would flatter the floor.
    for (let attempt = 0; ; attempt++) {
      if (attempt > 3) throw new Error('bare ffmpeg recorders kept exiting; no floor measured');
      await sleep(SETTLE_MS);
      if (!bare.every(alive)) {
        for (const [i, p] of bare.entries()) if (!alive(p)) bare[i] = spawnOne(i);
        continue; // they settle like the others before anything is measured
      }
      const usage = await measure(bare.map((p) => p.pid!), seconds);
      if (bare.every(alive)) return usage;
    }
  } finally {
    await Promise.all(bare.map(stopProcess));
  }
}

export async function benchIngest(opts: { counts: number[]; seconds: number; shippedAt?: number[]; repeats?: number }): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const repeats = opts.repeats ?? 3;
  const tmp = tempDir('kw-bench-ingest-');
  const source = join(tmp.dir, 'source-1080p.mp4');
  await makeTestFile(source, { width: 1920, height: 1080, fps: 25, seconds: 20, gop: 50, bitrate: '4M', noise: true });
  // Bundled beside the project so better-sqlite3 resolves from node_modules.
  const bundleDir = fileURLToPath(new URL('./.engine-bundle/', import.meta.url));
  const child = await bundleEngine(bundleDir);
  if (opts.shippedAt?.length) buildCli();
  const memory = new Map<number, { kw: number; bare: number }>();
  try {
    // The engine alone, no camera: its base memory.
    const idle = await runKeepwatch(child, join(tmp.dir, 'engine-idle'), [], 5);
    rows.push({ group: 'ingest', name: 'memory, engine base (no camera, PSS)', value: idle.usage.rss / 1e6, unit: 'MB', target: '≤ 60', pass: idle.usage.rss / 1e6 <= 60 });
    for (const n of opts.counts) {
      const sims = await startSimCameras(Array.from({ length: n }, (_, i) => ({ color: i, file: source })));
      try {
        // Keepwatch and bare ffmpeg, alternated `repeats` times: this machine is noisy, so
        // each pair gives a ratio and the row reports their median and spread.
        const pairs: { kw: { cpu: number; rss: number }; base: { cpu: number; rss: number }; missing: number }[] = [];
        // The order alternates inside the pairs, so a drift of the machine's load
        // during a pair does not always favour the same side.
        const urls = sims.cameras.map((c) => c.mainUrl);
        for (let r = 0; r < repeats; r++) {
          const runKw = () => runKeepwatch(child, join(tmp.dir, `engine-${n}-${r}`), urls, opts.seconds);
          const runBase = () => runBare(join(tmp.dir, `bare-${n}-${r}`), urls, opts.seconds);
          let kwRun: Awaited<ReturnType<typeof runKw>>;
          let baseRun: Awaited<ReturnType<typeof runBase>>;
          if (r % 2 === 0) {
            kwRun = await runKw();
            baseRun = await runBase();
          } else {
            baseRun = await runBase();
            kwRun = await runKw();
          }
          pairs.push({ kw: kwRun.usage, base: baseRun, missing: kwRun.missing });
        }
        const kw = { cpu: median(pairs.map((p) => p.kw.cpu)), rss: median(pairs.map((p) => p.kw.rss)) };
        const base = { cpu: median(pairs.map((p) => p.base.cpu)), rss: median(pairs.map((p) => p.base.rss)) };
        const ratios = pairs.map((p) => p.kw.cpu / Math.max(p.base.cpu, 0.01));
        const missing = Math.max(...pairs.map((p) => p.missing));
        memory.set(n, { kw: kw.rss, bare: base.rss });

        // As shipped, exactly as a user runs it: the built `keepwatch serve`
        // command, cameras added over the API, with the deferred background
        // work every new segment brings (a keyframe thumbnail, the SHA-256 of
        // the file for exports).
        let shipped: number | null = null;
        if (opts.shippedAt?.includes(n)) {
          const kw = await startKeepwatch(join(tmp.dir, `shipped-${n}`));
          for (const [i, cam] of sims.cameras.entries()) await kw.addCamera(`cam ${i}`, cam.mainUrl);
          await sleep(8000);
          shipped = (await measure([kw.child.pid!], opts.seconds)).cpu;
          await stopProcess(kw.child);
        }

        const ratio = median(ratios);
        const spread = `median of ${pairs.length} pairs (order alternating), ratios ${ratios.map((x) => x.toFixed(2)).join(', ')}`;
        if (shipped !== null) rows.push({ group: 'ingest', name: `${n} cam: \`keepwatch serve\` as shipped (thumbnails + hashing)`, value: shipped, unit: '% core', note: `${(shipped / Math.max(base.cpu, 0.01)).toFixed(2)}× bare` });
        rows.push(
          { group: 'ingest', name: `${n} cam: Keepwatch CPU (recording path)`, value: kw.cpu, unit: '% core' },
          { group: 'ingest', name: `${n} cam: bare ffmpeg CPU`, value: base.cpu, unit: '% core' },
          // A run that did not record everything passes nothing (a dead engine costs 0 % CPU).
          { group: 'ingest', name: `${n} cam: CPU ratio`, value: ratio, unit: '×', target: '≤ 1.10', pass: missing === 0 && ratio <= 1.1, note: spread },
          { group: 'ingest', name: `${n} cam: memory, engine + its ffmpegs (PSS)`, value: kw.rss / 1e6, unit: 'MB', note: `bare ffmpeg ${(base.rss / 1e6).toFixed(1)} MB` },
          { group: 'ingest', name: `${n} cam: cameras with missing segments`, value: missing, unit: 'cameras', target: '0', pass: missing === 0 },
        );
      } finally {
        await sims.stopAll();
      }
    }
    // Each further camera: the slope between the fewest and the most cameras measured (PSS shares ffmpeg's libraries fairly).
    const counts = [...memory.keys()].sort((a, b) => a - b);
    if (counts.length > 1) {
      const [lo, hi] = [counts[0], counts[counts.length - 1]];
      const per = (memory.get(hi)!.kw - memory.get(lo)!.kw) / (hi - lo) / 1e6;
      const perBare = (memory.get(hi)!.bare - memory.get(lo)!.bare) / (hi - lo) / 1e6;
      rows.push({ group: 'ingest', name: `memory, each further camera (PSS, ${lo} → ${hi} cameras)`, value: per, unit: 'MB', target: '≤ 20', pass: per <= 20, note: `bare ffmpeg ${perBare.toFixed(1)} MB per camera` });
    }
  } finally {
    tmp.cleanup();
  }
  return rows;
}
