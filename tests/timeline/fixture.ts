// Shared set-up of the timeline tests: a headless Keepwatch recording
// simulated cameras (GStreamer RTSP on loopback, with a burnt-in time barcode)
// in 2-second segments, the renderer built into a private folder, and one
// headless Chromium when a test needs it. Everything started here is stopped
// by `stop()`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startHeadless, type Headless } from '../../main/headless.ts';
import { MemorySink } from '../../main/engine/log.ts';
import { startSimCameras, type SimCameraSet, type SimCameraSpec } from '../sim/cameras.ts';
import { ARTIFACTS, buildRenderer, CHROMIUM_ARGS } from '../live/browser-fixture.ts';
import type { SegmentRow } from '../../main/engine/storage/store.ts';

// The renderer builds into a private folder (a parallel rebuild of out/renderer cannot disturb a test).
export { ARTIFACTS, buildRenderer };

export interface TimelineFixture {
  app: Headless;
  dir: string;
  sims: SimCameraSet;
  cameraIds: number[];
  logs: MemorySink;
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  segments(cameraId: number): SegmentRow[];
  waitFor<T>(what: string, fn: () => T | null | undefined | false | Promise<T | null | undefined | false>, timeoutMs?: number): Promise<T>;
  browser(opts?: { timezoneId?: string }): Promise<{ context: BrowserContext; page: Page; errors: string[] }>;
  stop(): Promise<void>;
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Headless Keepwatch with one sim camera per spec, recording 2 s segments. */
export async function startTimelineFixture(specs: SimCameraSpec[], opts: { renderer?: boolean } = {}): Promise<TimelineFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'kw-timeline-'));
  const staticDir = opts.renderer ? await buildRenderer(join(dir, 'renderer')) : null;
  const sims = await startSimCameras(specs);
  const logs = new MemorySink();
  let app: Headless;
  try {
    app = await startHeadless({
      dataDir: join(dir, 'data'),
      port: 0,
      staticDir,
      logSink: logs,
      recorder: { stallMs: 4000, connectTimeoutMs: 8000, healthyRunMs: 5000, backoff: { baseMs: 300, capMs: 2000 } },
      retentionIntervalMs: 3_600_000, // tests run retention themselves
    });
  } catch (err) {
    await sims.stopAll();
    throw err;
  }
  app.engine.updateSettings({ segmentSeconds: 2, freeSpaceFloorBytes: 0 });
  const cameraIds: number[] = [];
  for (const [i, sim] of sims.cameras.entries()) {
    cameraIds.push((await app.engine.cameras.add({ name: `Sim ${i + 1}`, mainUrl: sim.mainUrl })).id);
  }
  const contexts: BrowserContext[] = [];
  const base = `http://127.0.0.1:${app.port}`;

  const fixture: TimelineFixture = {
    app,
    dir,
    sims,
    cameraIds,
    logs,
    async api<T>(method: string, path: string, body?: unknown) {
      const res = await fetch(base + path, {
        method,
        headers: { Authorization: `Bearer ${app.token}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
    },
    segments(cameraId: number) {
      return app.engine.store.querySegments(cameraId, 0, Date.now() + 3_600_000);
    },
    async waitFor(what, fn, timeoutMs = 30_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const v = await fn();
        if (v) return v as never;
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await sleep(150);
      }
    },
    async browser(o = {}) {
      const context = await chromium.launchPersistentContext(mkdtempSync(join(dir, 'chromium-')), {
        executablePath: '/usr/bin/chromium',
        headless: true,
        viewport: { width: 1280, height: 860 },
        timezoneId: o.timezoneId,
        args: CHROMIUM_ARGS,
      });
      contexts.push(context);
      const page = context.pages()[0] ?? (await context.newPage());
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`console: ${m.text()}`);
      });
      await page.goto(app.url); // sets the token cookie
      return { context, page, errors };
    },
    async stop() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await app.stop().catch(() => undefined);
      await sims.stopAll().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return fixture;
}


/** Records until camera `cameraId` has at least `n` indexed segments. */
export async function recordSegments(f: TimelineFixture, cameraId: number, n: number, timeoutMs = 60_000): Promise<SegmentRow[]> {
  return f.waitFor(`${n} segments of camera ${cameraId}`, () => {
    const s = f.segments(cameraId);
    return s.length >= n ? s : null;
  }, timeoutMs);
}

/** Switches a camera's recording off and waits until its open segment is indexed. */
export async function stopRecording(f: TimelineFixture, cameraId: number): Promise<void> {
  await f.app.engine.cameras.update({ id: cameraId, enabled: false });
}
