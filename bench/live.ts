/**
 * Live-view benchmark (`npm run bench -- --only live`, or `npx tsx bench/live.ts [--quick]`).
 *
 * One headless server, one headless Chromium (software decoding), 16
 * simulated cameras re-serving pre-encoded clips with moving grain (main
 * 1280x720 at 2 Mb/s, camera 1 1920x1080 at 4 Mb/s; sub 640x360 at 15 fps,
 * 500 kb/s), and one live-encoding camera (640x360 at 25 fps, with a sub)
 * that burns its capture time into every frame as a barcode.
 *
 * Two live paths are measured where they differ: grid tiles show sub
 * streams, which come from ffmpeg's stdout; the maximised view shows the main
 * stream, which the recorder reads back from the segment file it writes
 * (only while watched).
 *
 * - Time to first frame, warm stream: the recorder is running, so the hub
 *   holds the stream's init (and, for the sub stream, its latest GOP). From
 *   the player opening the WebSocket to the first frame reported on screen by
 *   requestVideoFrameCallback; each open starts from the Settings page, so
 *   each is a new player. Median of several opens.
 * - Live latency, capture → display, on loopback: for every frame shown of the
 *   barcode camera, its expected display time (requestVideoFrameCallback's
 *   expectedDisplayTime, on the wall clock via performance.timeOrigin) minus
 *   its capture time decoded from the barcode (tenths of a second, so +50 ms
 *   for the middle of the tenth; ±50 ms per sample, the median of hundreds
 *   averages it out). Same machine, same clock. The maximised view is
 *   measured once the feed has switched to the express connection (its
 *   default), and once more with low-latency live view turned off in
 *   Settings (the recorded stream's 250 ms fragments), for comparison.
 * - Time to first real frame, H.265 camera (transcoded): an H.265-only
 *   camera (both streams; blue with grain) maximised, so the hub serves an
 *   on-demand H.264 transcode. From the player opening the WebSocket to the
 *   first frame on screen whose middle is the camera's colour (a decoder
 *   started mid-GOP shows grey first). Cold: nobody watched, the open starts
 *   the transcode; warm: it was still running (the linger after a close).
 * - Server CPU per extra live viewer: CPU of this process (engine + hub +
 *   WebSocket server; the viewers run in a child process) with 40 raw
 *   WebSocket viewers of the 1080p 4 Mb/s main stream, minus the same with
 *   none, divided by 40.
 * - Chromium CPU for a 16-tile grid on sub streams: all Chromium processes
 *   (browser, renderer, GPU/utility), every tile live; plus the share of
 *   frames Chromium dropped meanwhile; its floor (the same decode in plain
 *   <video> elements), and the grid paused when unseen (bench/live-grid.ts).
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { startLiveRig, pressLayout, readTiles, type ClipSpec, type PageVideo } from '../tests/live/browser-fixture.ts';
import { waitFor, sleep } from '../tests/helpers/wait.ts';
import { FAST_RECORDER } from '../tests/helpers/engine.ts';
import { PALETTE } from '../tests/sim/cameras.ts';
import { benchGridParts, gridRows } from './live-grid.ts';
import { setLiveTraceListener } from '../main/engine/live/live-trace.ts';
import type { BenchRow } from './report.ts';

const GROUP = 'live';
const VIEWPORT = { width: 1600, height: 960 };
/** Palette colour (blue) of the H.265-only camera: far from a decoder's grey. */
const HEVC_COLOUR = 2;

// Page-side code runs in Chromium (see tests/live/browser-fixture.ts).
declare const location: { hash: string };
declare const localStorage: { setItem(key: string, value: string): void };

export async function benchLive(opts: { quick?: boolean } = {}): Promise<BenchRow[]> {
  const quick = opts.quick ?? false;
  const seconds = quick ? 6 : 15; // per CPU measurement
  const clips: ClipSpec[] = Array.from({ length: 16 }, (_, i) => ({
    color: i % 25,
    fps: 15,
    // Camera 1 is the 1080p 4 Mb/s stream of the per-viewer measurement.
    ...(i === 0 ? { width: 1920, height: 1080, bitrate: '4M' } : { width: 1280, height: 720, bitrate: '2M' }),
    noise: true,
    sub: { width: 640, height: 360, bitrate: '500k', noise: true },
  }));
  // The H.265-only camera of the transcode measurement (not on the grid's first page).
  // With grain: keyframes of a realistic size (a flat picture's fit in ffmpeg's first probe read).
  clips.push({ color: HEVC_COLOUR, fps: 15, codec: 'h265', noise: true, sub: { codec: 'h265', noise: true } });
  const rig = await startLiveRig({
    clips,
    live: [{ color: 19, width: 640, height: 360, fps: 25, gop: 25, sub: true }],
    // KW_BENCH_LIVE_RECORDER='{"fragmentMs":100}': try other recorder options (experiments only).
    headless: { recorder: { ...FAST_RECORDER, ...JSON.parse(process.env.KW_BENCH_LIVE_RECORDER || '{}') } },
    viewport: VIEWPORT,
  });
  const rows: BenchRow[] = [];
  try {
    const { page } = rig;
    await page.goto(rig.app.url);
    const latencyCamera = rig.cameraIds[clips.length];
    const hevcCamera = rig.cameraIds[clips.length - 1];
    const warmCamera = rig.cameraIds[1];

    // KW_BENCH_LIVE_ONLY=grid,warm,hevc,latency,cpu: only those parts (experiments only);
    // KW_BENCH_LIVE_OPENS: opens of each H.265 first-frame kind.
    const only = process.env.KW_BENCH_LIVE_ONLY?.split(',') ?? null;
    const part = (name: string) => !only || only.includes(name);

    // ---- Chromium CPU, 16 tiles on sub streams: the grid, its floor, and paused when unseen (bench/live-grid.ts)
    if (part('grid')) rows.push(...gridRows(await benchGridParts(rig, seconds, VIEWPORT)));

    // ---- time to first frame, warm stream: a grid tile (sub stream) and the maximised view (main stream)
    await pressLayout(page, '1');
    // KW_BENCH_LIVE_TRACE=1: where the opens' time went (OpenTrace below).
    const trace = process.env.KW_BENCH_LIVE_TRACE ? new OpenTrace(page, rig.app.http.server) : null;
    abEngine = rig.app.engine;
    if (part('warm')) {
      const opens = quick ? 5 : 12;
      const tileTtff = await timeToFirstFrame(page, opens, trace, 'warm tile', async () => {
        await page.evaluate((id) => localStorage.setItem('kw.live.order', JSON.stringify([id])), warmCamera);
        await page.evaluate(() => (location.hash = '#/live'));
      });
      const mainTtff = await timeToFirstFrame(page, opens, trace, 'warm maximised', () => page.evaluate((id) => (location.hash = `#/live/${id}`), warmCamera));
      for (const [what, xs] of [['grid tile, sub stream', tileTtff], ['maximised, main stream', mainTtff]] as const) {
        const m = median(xs);
        rows.push({ group: GROUP, name: `time to first frame, warm stream (${what})`, value: m, unit: 'ms', target: '≤ 100 ms', pass: m <= 100, note: `route opened → frame on screen; median of ${xs.length}, max ${Math.max(...xs)} ms` });
      }
    }

    // ---- time to first real frame, H.265-only camera (on-demand transcode), cold and warm
    if (part('hevc')) rows.push(...(await hevcFirstFrames(rig, hevcCamera, Number(process.env.KW_BENCH_LIVE_OPENS) || (quick ? 3 : 6), trace)));
    trace?.print();

    // ---- live latency, capture → display
    const latencyRuns: [string, () => Promise<unknown>][] = [
      ['grid tile, sub stream', async () => {
        await page.evaluate((id) => localStorage.setItem('kw.live.order', JSON.stringify([id])), latencyCamera);
        await page.evaluate(() => (location.hash = '#/settings'));
        await sleep(300);
        await page.evaluate(() => (location.hash = '#/live'));
      }],
      ['maximised, main stream', () => page.evaluate((id) => (location.hash = `#/live/${id}`), latencyCamera)],
      // The same with Settings' low-latency live view off: the recorded stream's 250 ms fragments (the fallback).
      ['maximised, main stream, low-latency live view off', async () => {
        rig.app.engine.updateSettings({ lowLatencyLive: false });
        await page.evaluate(() => (location.hash = '#/settings'));
        await waitFor(() => !rig.app.live.stats().express[`${latencyCamera}/main`], { timeoutMs: 20_000, what: 'the express connection closed' });
        await page.evaluate((id) => (location.hash = `#/live/${id}`), latencyCamera);
      }],
    ];
    for (const [what, open] of part('latency') ? latencyRuns : []) {
      const opened = performance.now();
      await open();
      await waitFor(async () => (await readTiles(page)).find((t) => t.id === latencyCamera)?.state === 'live', { timeoutMs: 20_000, what: 'the barcode camera live' });
      let express = '';
      if (what === 'maximised, main stream') {
        // The first frames come from the recorded stream; the feed then switches to the express connection at its first keyframe.
        await waitFor(() => rig.app.live.stats().express[`${latencyCamera}/main`]?.active, { timeoutMs: 20_000, what: 'the express connection feeding' });
        express = `; sent from the express connection (switched ${Math.round(performance.now() - opened)} ms after the open)`;
      }
      await sleep(3000); // let the player settle at the live edge
      const { samples, lags, dropped, stalls } = await measureLatency(page, (quick ? 6 : 15) * 1000);
      const latency = median(samples);
      rows.push({
        group: GROUP,
        name: `live latency, capture → display (${what})`,
        value: latency,
        unit: 'ms',
        // The fallback's row is for comparison: the target is the product's default.
        ...(what.endsWith('off') ? {} : { target: '≤ 250 ms', pass: samples.length > 20 && latency <= 250 }),
        note: `median of ${samples.length} frames, p90 ${Math.round(percentile(samples, 0.9))} ms; of it the player's buffer (newest buffered frame - frame shown): median ${Math.round(median(lags))} ms; ${dropped} frame(s) dropped, ${stalls} stall(s) meanwhile${express}`,
      });
    }
    rig.app.engine.updateSettings({ lowLatencyLive: true });

    // ---- server CPU per extra viewer
    if (!part('cpu')) return rows;
    await page.evaluate(() => (location.hash = '#/settings'));
    await sleep(2000);
    const viewers = 40; // enough that their cost stands out of the machine's noise
    const base = await processCpu(seconds * 1000);
    const swarm = startViewers(`ws://127.0.0.1:${rig.app.port}/api/live/${rig.cameraIds[0]}/main`, rig.app.token, viewers);
    try {
      await swarm.ready;
      await sleep(2000);
      const loaded = await processCpu(seconds * 1000);
      const received = await swarm.bytes();
      rows.push({
        group: GROUP,
        name: 'server CPU per extra live viewer (1080p main, 4 Mb/s)',
        value: (loaded - base) / viewers,
        unit: '% of a core',
        note: `${viewers} viewers: ${loaded.toFixed(1)} % vs ${base.toFixed(1)} % without; ${(received / 1e6).toFixed(1)} MB delivered`,
      });
    } finally {
      swarm.stop();
    }
    const stats = rig.app.live.stats().feeds[`${rig.cameraIds[0]}/main`];
    rows.push({ group: GROUP, name: 'viewers dropped as too slow during the run', value: stats?.droppedViewers ?? 0, unit: 'viewers', target: '0', pass: (stats?.droppedViewers ?? 0) === 0 });
    return rows;
  } finally {
    await rig.stop();
  }
}

/**
 * Time to the first real frame of the H.265-only camera, cold (the open
 * starts the transcode) and warm (it still runs), `opens` of each.
 * With a trace (KW_BENCH_LIVE_TRACE=1), each open's steps are logged.
 */
async function hevcFirstFrames(rig: Awaited<ReturnType<typeof startLiveRig>>, hevcCamera: number, opens: number, trace: OpenTrace | null): Promise<BenchRow[]> {
  const { page } = rig;
  const cold: { ms: number; wrong: number }[] = [];
  const idle: { ms: number; wrong: number }[] = [];
  const warm: { ms: number; wrong: number }[] = [];
  for (let i = 0; i < opens; i++) {
    await setAbSwitch(page, i);
    await page.evaluate(() => (location.hash = '#/settings'));
    await waitFor(() => !rig.app.live.stats().transcodes[`${hevcCamera}/main`], { timeoutMs: 20_000, what: 'the transcode to stop' });
    await sleep(300); // the spare was taken by the last transcode: its replacement starts 1 s later
    await trace?.begin();
    cold.push(await timeToFirstRealFrame(page, hevcCamera, PALETTE[HEVC_COLOUR].rgb));
    await trace?.end(abKind('cold', i), cold[cold.length - 1].ms);
    await page.evaluate(() => (location.hash = '#/settings'));
    await sleep(600);
    await trace?.begin();
    warm.push(await timeToFirstRealFrame(page, hevcCamera, PALETTE[HEVC_COLOUR].rgb));
    await trace?.end(abKind('warm', i), warm[warm.length - 1].ms);
    // Cold after the stream was not read for a while: the recorder's live tap starts again at the segment's latest keyframe.
    await page.evaluate(() => (location.hash = '#/settings'));
    await waitFor(() => !rig.app.live.stats().transcodes[`${hevcCamera}/main`], { timeoutMs: 20_000, what: 'the transcode to stop' });
    await sleep(2500); // longer than the hub keeps a GOP (2 s)
    await trace?.begin();
    idle.push(await timeToFirstRealFrame(page, hevcCamera, PALETTE[HEVC_COLOUR].rgb));
    await trace?.end(abKind('cold, unread 2.5 s', i), idle[idle.length - 1].ms);
  }
  const rows: BenchRow[] = [];
  for (const [what, results] of [['warm: transcode running', warm], ['cold: the open starts the transcode', cold], ['cold, the stream not read for 2.5 s', idle]] as const) {
    const xs = results.map((o) => o.ms);
    const wrong = results.reduce((n, o) => n + o.wrong, 0);
    const m = median(xs);
    rows.push({ group: GROUP, name: `time to first real frame, H.265 camera, transcoded (${what})`, value: m, unit: 'ms', target: '≤ 100 ms', pass: m <= 100, note: `route opened → first frame in the camera's colour; median of ${xs.length}, range ${Math.min(...xs)}–${Math.max(...xs)} ms [${xs.join(', ')}]; ${wrong} other (grey) frame(s) shown before it in all` });
  }
  return rows;
}

/**
 * Where an open's time goes (KW_BENCH_LIVE_TRACE=1): the first time of each
 * step, server side (main/engine/live/live-trace.ts: the hub, the
 * transcoder and the live tap) and page side (WebSocket, MediaSource and SourceBuffer
 * calls, and the real-frame probe), on one clock, relative to the socket's
 * creation. Prints the median of each step over the opens.
 */
class OpenTrace {
  private server: [string, number][] = [];
  private readonly opens: Record<string, Record<string, number>[]> = {};
  constructor(
    private readonly page: Page,
    http: { prependListener(event: 'connection' | 'upgrade', fn: () => void): unknown },
  ) {
    const at = (e: string) => this.server.push([e, performance.timeOrigin + performance.now()]);
    setLiveTraceListener(at);
    http.prependListener('connection', () => at('http.connection'));
    http.prependListener('upgrade', () => at('http.upgrade'));
  }

  async begin(): Promise<void> {
    this.server = [];
    await this.page.evaluate(PAGE_TRACE);
  }

  /** `resultMs`: the bench's own figure for this open (time to first frame), reported beside the steps. */
  async end(kind: string, resultMs?: number): Promise<void> {
    const page = (await this.page.evaluate('window.__kwT.splice(0)')) as [string, number][];
    const seen = (await this.page.evaluate('window.__kwRealFrameSeen')) as { firstAt: number; realAt: number } | null;
    const origin = (await this.page.evaluate('performance.timeOrigin')) as number;
    const events = [...page, ...this.server];
    if (seen) events.push(['page.frame.first', origin + seen.firstAt], ['page.frame.real', origin + seen.realAt]);
    const t0 = events.find(([e]) => e === 'ws.new')?.[1];
    if (t0 === undefined) return;
    const firsts: Record<string, number> = {};
    for (const [e, t] of events) if (!(e in firsts)) firsts[e] = Math.round((t - t0) * 10) / 10;
    if (resultMs !== undefined) firsts['= result'] = resultMs;
    // Long tasks begun before the frame: how long the page's main thread was unavailable.
    const longTasks = (await this.page.evaluate('window.__kwLong')) as [number, number][];
    const frameAt = seen ? origin + seen.realAt : Infinity;
    firsts['= main thread in long tasks (ms)'] = Math.round(longTasks.filter(([t]) => t >= t0 && t < frameAt).reduce((n, [, d]) => n + d, 0));
    (this.opens[kind] ??= []).push(firsts);
  }

  print(): void {
    for (const [kind, opens] of Object.entries(this.opens)) {
      const names = [...new Set(opens.flatMap((o) => Object.keys(o)))];
      const rows = names.map((n) => [n, median(opens.map((o) => o[n]).filter((x) => x !== undefined))] as const).sort((a, b) => a[1] - b[1]);
      process.stdout.write(`\n${kind} opens (${opens.length}), median ms after the socket was created:\n`);
      for (const [n, m] of rows) process.stdout.write(`  ${m.toFixed(1).padStart(7)}  ${n}   [${opens.map((o) => o[n]?.toFixed(0) ?? '-').join(' ')}]\n`);
    }
  }
}

/** Page side of OpenTrace: patches WebSocket, MediaSource and SourceBuffer once to log the first time of each step. */
const PAGE_TRACE = `(() => {
  window.__kwT = [];
  window.__kwK = 0;
  window.__kwRealFrameSeen = null;
  if (window.__kwLong) window.__kwLong = [];
  if (window.__kwTraced) return;
  window.__kwTraced = true;
  const log = (e) => window.__kwT.push([e, performance.timeOrigin + performance.now()]);
  const Ws = window.WebSocket;
  window.WebSocket = function (...args) {
    log('ws.new');
    const ws = new Ws(...args);
    ws.addEventListener('open', () => log('ws.open'));
    ws.addEventListener('message', (ev) => log(typeof ev.data === 'string' ? 'ws.msg.text' : 'ws.msg.bin'));
    return ws;
  };
  window.WebSocket.prototype = Ws.prototype;
  Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  const add = MediaSource.prototype.addSourceBuffer;
  MediaSource.prototype.addSourceBuffer = function (...a) { log('ms.sourceopen'); const sb = add.apply(this, a); let n = 0; sb.addEventListener('updateend', () => log('sb.updateend.' + (n++ < 3 ? n : 'n'))); return sb; };
  // Media events do not bubble, but a capture listener on the document sees them.
  for (const e of ['loadedmetadata', 'loadeddata', 'seeking', 'seeked', 'playing']) document.addEventListener(e, () => log('video.' + e), true);
  const play = HTMLMediaElement.prototype.play;
  HTMLMediaElement.prototype.play = function (...a) { log('video.play()'); return play.apply(this, a); };
  // The page's main thread busy for 50 ms or more at a time (the player's messages wait behind it).
  window.__kwLong = [];
  new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__kwLong.push([performance.timeOrigin + e.startTime, e.duration]); }).observe({ type: 'longtask' });
  const append = SourceBuffer.prototype.appendBuffer;
  SourceBuffer.prototype.appendBuffer = function (...a) { const k = ++window.__kwK; log('sb.append.' + (k <= 3 ? k : 'n')); return append.apply(this, a); };
})()`;

/**
 * KW_BENCH_LIVE_AB=<name> (experiments only; with KW_BENCH_LIVE_TRACE=1):
 * every other open runs with the page's `window[name] = false` (a player's
 * experiment switch, e.g. __kwPlaceRun), or with the engine's setting turned
 * off for `lowLatencyLive` (no express connection), the others without; the trace
 * reports the two halves apart, each with its opens' results (the table's
 * rows pool both).
 */
const AB_SWITCH = process.env.KW_BENCH_LIVE_AB ?? null;
/** The engine's settings the A/B can turn off instead of a page switch (KW_BENCH_LIVE_AB=lowLatencyLive: no express connection). */
let abEngine: { updateSettings(patch: { lowLatencyLive: boolean }): unknown } | null = null;

async function setAbSwitch(page: Page, open: number): Promise<void> {
  if (AB_SWITCH === 'lowLatencyLive') await abEngine?.updateSettings({ lowLatencyLive: open % 2 === 0 });
  else if (AB_SWITCH) await page.evaluate(([name, off]) => ((globalThis as Record<string, unknown>)[name as string] = off ? false : undefined), [AB_SWITCH, open % 2 === 1] as const);
}

function abKind(kind: string, open: number): string {
  return AB_SWITCH && open % 2 === 1 ? `${kind}, ${AB_SWITCH} off` : kind;
}

/** Opens a live view `times` times (from the Settings page, so every open starts a new player) and returns each time to first frame. */
async function timeToFirstFrame(page: Page, times: number, trace: OpenTrace | null, kind: string, open: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < times; i++) {
    await page.evaluate(() => (location.hash = '#/settings'));
    await sleep(600);
    await setAbSwitch(page, i);
    await trace?.begin();
    await open();
    const ms =
      await waitFor(
        async () => {
          const [t] = await readTiles(page);
          return t?.firstFrameMs ?? null;
        },
        { timeoutMs: 10_000, what: 'a first frame', intervalMs: 50 },
      );
    out.push(ms);
    await trace?.end(abKind(kind, i), ms);
  }
  return out;
}

/**
 * Runs in the page: waits for the tile's <video>, then for its first frame
 * whose middle is `rgb`; resolves with when the first frame and the first
 * real frame were presented (performance.now()), or null after 15 s.
 */
const REAL_FRAME_PROBE = `(rgb) => {
  window.__kwRealFrame = new Promise((resolve) => {
    const canvas = document.createElement('canvas');
    canvas.width = 32; canvas.height = 18;
    const g = canvas.getContext('2d', { willReadFrequently: true });
    const giveUp = performance.now() + 15000;
    let firstAt = null, wrong = 0;
    function onFrame(video) {
      return () => {
        const t = performance.now();
        if (firstAt === null) firstAt = t;
        g.drawImage(video, 0, 0, 32, 18);
        const d = g.getImageData(8, 5, 16, 8).data;
        let r = 0, gr = 0, b = 0;
        for (let i = 0; i < d.length; i += 4) { r += d[i]; gr += d[i + 1]; b += d[i + 2]; }
        const n = d.length / 4;
        if (Math.hypot(r / n - rgb[0], gr / n - rgb[1], b / n - rgb[2]) < 80) return resolve({ firstAt, realAt: t, wrong });
        wrong += 1;
        if (t > giveUp) resolve(null);
        else video.requestVideoFrameCallback(onFrame(video));
      };
    }
    function findVideo() {
      const video = document.querySelector('[data-testid=live-tile] video');
      if (video) video.requestVideoFrameCallback(onFrame(video));
      else if (performance.now() > giveUp) resolve(null);
      else requestAnimationFrame(findVideo);
    }
    findVideo();
  });
}`;

/**
 * Opens the maximised view of `cameraId` (from a page without tiles): its
 * time to the first frame in the camera's colour, and how many other frames
 * (grey, smeared) were shown before it.
 */
async function timeToFirstRealFrame(page: Page, cameraId: number, rgb: readonly number[]): Promise<{ ms: number; wrong: number }> {
  await page.evaluate(`(${REAL_FRAME_PROBE})(${JSON.stringify(rgb)})`);
  await page.evaluate((id) => (location.hash = `#/live/${id}`), cameraId);
  const seen = (await page.evaluate('window.__kwRealFrame.then((v) => (window.__kwRealFrameSeen = v))')) as { firstAt: number; realAt: number; wrong: number } | null;
  if (!seen) throw new Error(`camera ${cameraId}: no frame in its colour within 15 s`);
  // The player's own figure runs from the socket opening to its first frame; the real frame came this much later.
  const firstFrameMs = await waitFor(async () => (await readTiles(page))[0]?.firstFrameMs ?? null, { timeoutMs: 5000, what: 'the first frame time', intervalMs: 20 });
  return { ms: firstFrameMs + Math.round(seen.realAt - seen.firstAt), wrong: seen.wrong };
}

/**
 * Runs in the page: for every frame shown during `duration` ms, its expected
 * display time on the wall clock minus its capture time read from the
 * barcode (layout: tests/sim/signature.ts). Plain JavaScript in a string:
 * tsx would wrap named functions in a helper the page does not have.
 */
const LATENCY_PROBE = `async (duration) => {
  const video = document.querySelector('[data-testid=live-tile] video');
  const canvas = document.createElement('canvas');
  const g = canvas.getContext('2d', { willReadFrequently: true });
  const BITS = 40, VALUE_BITS = 36;
  function decode(row, width) {
    let value = 0, check = 0;
    for (let i = 0; i < BITS; i++) {
      const x = Math.floor(((i + 0.5) * width) / BITS);
      const bit = (row[x * 4] + row[x * 4 + 1] + row[x * 4 + 2]) / 3 >= 128 ? 1 : 0;
      if (i < VALUE_BITS) value = value * 2 + bit; else check = check * 2 + bit;
    }
    let sum = 0;
    for (let i = 0, v = value; i < VALUE_BITS / 4; i++, v = Math.floor(v / 16)) sum += v % 16;
    return sum % 16 === check ? value : null; // tenths of a second since the epoch
  }
  const samples = [], lags = [];
  // Smoothness at this latency: Chromium's dropped frames and stalls (waiting events) meanwhile.
  let stalls = 0;
  const onWaiting = () => { stalls += 1; };
  video.addEventListener('waiting', onWaiting);
  const q0 = video.getVideoPlaybackQuality();
  const end = performance.now() + duration;
  await new Promise((resolve) => {
    function onFrame(now, meta) {
      const w = video.videoWidth, h = video.videoHeight;
      if (w && h) {
        if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
        g.drawImage(video, 0, 0, w, h);
        const strip = Math.max(8, Math.floor(h / 16) & ~1);
        const tenths = decode(g.getImageData(0, h - Math.floor(strip / 2), w, 1).data, w);
        // +50 ms: the middle of the tenth the barcode names.
        if (tenths !== null) samples.push(performance.timeOrigin + meta.expectedDisplayTime - (tenths * 100 + 50));
        const b = video.buffered;
        if (b.length) lags.push((b.end(b.length - 1) - meta.mediaTime) * 1000);
      }
      if (performance.now() < end) video.requestVideoFrameCallback(onFrame); else resolve();
    }
    video.requestVideoFrameCallback(onFrame);
  });
  video.removeEventListener('waiting', onWaiting);
  const q1 = video.getVideoPlaybackQuality();
  return { samples, lags, dropped: q1.droppedVideoFrames - q0.droppedVideoFrames, stalls };
}`;

/** Capture → display latency of every frame shown during `durationMs` (see the header). */
async function measureLatency(page: Page, durationMs: number): Promise<{ samples: number[]; lags: number[]; dropped: number; stalls: number }> {
  return (await page.evaluate(`(${LATENCY_PROBE})(${Number(durationMs)})`)) as { samples: number[]; lags: number[]; dropped: number; stalls: number };
}

/** CPU of this process over `ms`, in % of one core. */
async function processCpu(ms: number): Promise<number> {
  const a = process.cpuUsage();
  const t0 = performance.now();
  await sleep(ms);
  const d = process.cpuUsage(a);
  return ((d.user + d.system) / 1000 / (performance.now() - t0)) * 100;
}

/** `count` WebSocket viewers in a child process, reading everything they get. */
function startViewers(url: string, token: string, count: number): { ready: Promise<void>; bytes(): Promise<number>; stop(): void } {
  const wsPath = createRequire(import.meta.url).resolve('ws');
  const script = `
    const WebSocket = require(${JSON.stringify(wsPath)});
    let bytes = 0, open = 0;
    for (let i = 0; i < ${count}; i++) {
      const ws = new WebSocket(${JSON.stringify(url)}, { headers: { Authorization: 'Bearer ' + process.env.KW_TOKEN } });
      ws.on('open', () => { if (++open === ${count}) process.stdout.write('ready\\n'); });
      ws.on('message', (d) => { bytes += d.length ?? d.byteLength ?? 0; });
      ws.on('error', (e) => process.stderr.write(String(e) + '\\n'));
    }
    process.stdin.on('data', () => process.stdout.write('bytes ' + bytes + '\\n'));
    process.stdin.on('end', () => process.exit(0));
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, KW_TOKEN: token } });
  let out = '';
  const waiters: ((line: string) => void)[] = [];
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => {
    out += d;
    let nl;
    while ((nl = out.indexOf('\n')) >= 0) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      for (const w of waiters.splice(0)) w(line);
    }
  });
  const next = () => new Promise<string>((resolve) => waiters.push(resolve));
  return {
    ready: next().then(() => undefined),
    async bytes() {
      const line = next();
      child.stdin.write('?\n');
      return Number((await line).split(' ')[1]);
    },
    stop() {
      child.stdin.end();
      setTimeout(() => child.kill('SIGKILL'), 2000).unref();
    },
  };
}

function median(xs: number[]): number {
  return percentile(xs, 0.5);
}

function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

// Direct run: `npx tsx bench/live.ts [--quick]`.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { printTable } = await import('./report.ts');
  const rows = await benchLive({ quick: process.argv.includes('--quick') });
  printTable(rows);
  for (const r of rows) if (r.note) process.stdout.write(`  ${r.name}: ${r.note}\n`);
}
