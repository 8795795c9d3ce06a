// Shared fixture of the live-view browser tests and the live benchmark:
// the renderer built into a private folder (so a parallel rebuild of
// out/renderer cannot pull files from under the server), simulated cameras
// re-serving small pre-encoded clips (about 1 % of a core each), the headless
// server, and one headless Chromium.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startHeadless, type Headless, type HeadlessOptions } from '../../main/headless.ts';
import { startSimCameras, type SimCameraSet, type SimCameraSpec } from '../sim/cameras.ts';
import { makeTestFile } from '../sim/signature.ts';

// Page-side code (page.evaluate) runs in Chromium; the node tsconfig has no DOM
// types, so it is typed with these minimal shapes.
export interface PageVideo {
  currentTime: number;
  videoWidth: number;
  videoHeight: number;
  requestVideoFrameCallback(cb: (now: number, meta: { expectedDisplayTime: number; mediaTime: number }) => void): number;
  getVideoPlaybackQuality(): { totalVideoFrames: number; droppedVideoFrames: number };
}
export interface PageElement {
  getAttribute(name: string): string | null;
  querySelector(selector: string): unknown;
}
export interface PageCanvas {
  width: number;
  height: number;
  getContext(kind: '2d', opts?: object): {
    drawImage(source: unknown, x: number, y: number, w?: number, h?: number): void;
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  } | null;
}
declare const document: { createElement(tag: 'canvas'): PageCanvas; querySelector(selector: string): unknown };

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const ARTIFACTS = join(ROOT, 'test-artifacts');

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Builds the renderer (renderer/vite.config.ts) into `outDir`. */
export async function buildRenderer(outDir: string): Promise<string> {
  // vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: join(ROOT, 'renderer/vite.config.ts'), mode: 'production', logLevel: 'error', build: { outDir, emptyOutDir: true } });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  return outDir;
}

export interface ClipOptions {
  codec?: 'h264' | 'h265';
  width?: number;
  height?: number;
  bitrate?: string;
  /** Moving grain: a realistic bitrate and decode cost; the average colour is unchanged. */
  noise?: boolean;
}

export interface ClipSpec extends ClipOptions {
  /** Palette colour of the camera (tests/sim/cameras.ts PALETTE). */
  color: number;
  /** Frames per second of both streams (default 15; a keyframe every second). */
  fps?: number;
  /** The sub stream: half the main size at 150 kb/s unless told otherwise. */
  sub?: ClipOptions;
}

/** Pre-encodes one main (640x360 by default) and one sub clip per camera. */
export async function makeClips(dir: string, specs: ClipSpec[]): Promise<SimCameraSpec[]> {
  const jobs: (() => Promise<void>)[] = [];
  const out = specs.map((s, i) => {
    const width = s.width ?? 640;
    const height = s.height ?? 360;
    const fps = s.fps ?? 15;
    const main = join(dir, `cam${i}-main.mp4`);
    const sub = join(dir, `cam${i}-sub.mp4`);
    const common = { fps, gop: fps, seconds: 4, color: s.color };
    jobs.push(() => makeTestFile(main, { ...common, codec: s.codec, width, height, bitrate: s.bitrate ?? '600k', noise: s.noise }));
    jobs.push(() =>
      makeTestFile(sub, {
        ...common,
        codec: s.sub?.codec,
        width: s.sub?.width ?? width / 2,
        height: s.sub?.height ?? height / 2,
        bitrate: s.sub?.bitrate ?? '150k',
        noise: s.sub?.noise,
      }),
    );
    return { color: s.color, file: main, subFile: sub } satisfies SimCameraSpec;
  });
  // Three encodes at a time: the machine is shared.
  const running = new Set<Promise<void>>();
  for (const job of jobs) {
    const p = job().finally(() => running.delete(p));
    running.add(p);
    if (running.size >= 3) await Promise.race(running);
  }
  await Promise.all(running);
  return out;
}

export interface LiveRig {
  app: Headless;
  sims: SimCameraSet;
  context: BrowserContext;
  page: Page;
  /** Camera ids in the order of `sims.cameras`. */
  cameraIds: number[];
  /** Uncaught page errors seen so far. */
  pageErrors: string[];
  stop(): Promise<void>;
}

export async function startLiveRig(opts: {
  clips: ClipSpec[];
  /** Live-encoding cameras (burnt-in time barcode) added after the clip cameras. */
  live?: SimCameraSpec[];
  headless?: Partial<HeadlessOptions>;
  viewport?: { width: number; height: number };
  /** Start Chromium with these extra flags. */
  chromiumArgs?: string[];
}): Promise<LiveRig> {
  const work = mkdtempSync(join(tmpdir(), 'kw-live-'));
  const cleanups: (() => Promise<void> | void)[] = [() => rmSync(work, { recursive: true, force: true })];
  const stop = async () => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
  };
  try {
    const staticDir = join(work, 'renderer');
    const clipsDir = join(work, 'clips');
    mkdirSync(clipsDir);
    const [specs] = await Promise.all([makeClips(clipsDir, opts.clips), buildRenderer(staticDir)]);
    const sims = await startSimCameras([...specs, ...(opts.live ?? [])]);
    cleanups.push(() => sims.stopAll());
    const app = await startHeadless({ dataDir: join(work, 'data'), port: 0, staticDir, logSink: { write() {} }, ...opts.headless });
    cleanups.push(() => app.stop());
    app.engine.updateSettings({ segmentSeconds: 2, freeSpaceFloorBytes: 0 });
    const cameraIds: number[] = [];
    for (const [i, cam] of sims.cameras.entries()) {
      const added = await app.engine.cameras.add({ name: `Camera ${i + 1}`, mainUrl: cam.mainUrl, subUrl: cam.subUrl });
      cameraIds.push(added.id);
    }
    const context = await chromium.launchPersistentContext(join(work, 'chromium'), {
      executablePath: '/usr/bin/chromium',
      headless: true,
      viewport: opts.viewport ?? { width: 1280, height: 800 },
      args: [...CHROMIUM_ARGS, ...(opts.chromiumArgs ?? [])],
    });
    cleanups.push(() => context.close());
    const page = context.pages()[0] ?? (await context.newPage());
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    return { app, sims, context, page, cameraIds, pageErrors, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export interface TileInfo {
  id: number;
  state: string;
  stream: string;
  transcoded: boolean;
  recording: boolean;
  currentTime: number;
  videoWidth: number;
  firstFrameMs: number | null;
}

/** What every visible live tile reports. */
export function readTiles(page: Page): Promise<TileInfo[]> {
  return page.$$eval('[data-testid=live-tile]', (els) =>
    (els as unknown as PageElement[]).map((el) => {
      const video = el.querySelector('video') as PageVideo;
      const ttff = el.getAttribute('data-first-frame-ms');
      return {
        id: Number(el.getAttribute('data-camera-id')),
        state: el.getAttribute('data-state') ?? '',
        stream: el.getAttribute('data-stream') ?? '',
        transcoded: el.getAttribute('data-transcoded') === 'true',
        recording: el.getAttribute('data-recording') === 'true',
        currentTime: video.currentTime,
        videoWidth: video.videoWidth,
        firstFrameMs: ttff ? Number(ttff) : null,
      };
    }),
  );
}

/**
 * Average colour of the middle of each tile's decoded picture (the <video>
 * drawn into a canvas), clear of the clock in the top-left corner.
 */
export function tileColours(page: Page): Promise<{ id: number; rgb: [number, number, number]; currentTime: number }[]> {
  return page.$$eval('[data-testid=live-tile]', (els) =>
    (els as unknown as PageElement[]).map((el) => {
      const video = el.querySelector('video') as PageVideo;
      const w = video.videoWidth;
      const h = video.videoHeight;
      const canvas = document.createElement('canvas');
      canvas.width = w;
      canvas.height = h;
      const g = canvas.getContext('2d', { willReadFrequently: true })!;
      g.drawImage(video, 0, 0, w, h);
      const x0 = Math.round(w * 0.35);
      const y0 = Math.round(h * 0.35);
      const data = g.getImageData(x0, y0, Math.max(1, Math.round(w * 0.3)), Math.max(1, Math.round(h * 0.3))).data;
      const sum = [0, 0, 0];
      for (let i = 0; i < data.length; i += 4) for (let c = 0; c < 3; c++) sum[c] += data[i + c];
      const n = data.length / 4 || 1;
      return { id: Number(el.getAttribute('data-camera-id')), rgb: sum.map((s) => Math.round(s / n)) as [number, number, number], currentTime: video.currentTime };
    }),
  );
}

/**
 * Picks a grid layout with its keyboard shortcut (1-4). The first press can
 * land before the page has bound its shortcuts, so it is repeated until the
 * grid reports the layout.
 */
export async function pressLayout(page: Page, key: '1' | '2' | '3' | '4'): Promise<void> {
  const id = { '1': '1', '2': '2x2', '3': '3x3', '4': '4x4' }[key];
  await page.waitForSelector('[data-testid=live-grid], [data-testid=live-maximised]', { timeout: 30_000 });
  for (let attempt = 0; ; attempt++) {
    await page.keyboard.press(key);
    try {
      await page.waitForSelector(`[data-testid=live-grid][data-layout="${id}"]`, { timeout: 1000 });
      return;
    } catch (err) {
      if (attempt >= 10) throw err;
    }
  }
}
