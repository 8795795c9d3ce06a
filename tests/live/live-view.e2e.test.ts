// The live view end to end, in Debian's Chromium against the headless server
// and nine simulated RTSP cameras (each a distinct flat colour, with a sub
// stream). One server, one browser for the whole file.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { WebSocketRoute } from 'playwright-core';
import type { SegmentRow } from '../../main/engine/storage/store.ts';
import { nearestPalette } from '../sim/signature.ts';
import { FAST_RECORDER } from '../helpers/engine.ts';
import { waitFor, sleep } from '../helpers/wait.ts';
import { ARTIFACTS, makeClips, pressLayout, readTiles, startLiveRig, tileColours, type LiveRig, type TileInfo } from './browser-fixture.ts';
import { startSimCameras } from '../sim/cameras.ts';
import { tempDir } from '../helpers/tmp.ts';

// Page-side code (page.evaluate) sees the browser's window; the node tsconfig has no DOM types.
declare const window: { kwNoReload?: number };
declare const location: { hash: string };
declare const localStorage: { getItem(key: string): string | null };

/** Palette colours far apart from each other (red, green, blue, yellow, cyan, magenta, orange, purple, spring). */
const COLOURS = [0, 1, 2, 3, 4, 5, 6, 7, 8];

let rig: LiveRig;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  rig = await startLiveRig({
    // Camera 1's main stream is busy (moving grain at 6 Mb/s) so a client that stops reading fills its socket quickly.
    clips: COLOURS.map((color, i) => (i === 0 ? { color, noise: true, bitrate: '6M' } : { color })),
    headless: {
      recorder: FAST_RECORDER,
      // Small queues so the stalled client of test 5 is skipped and dropped within seconds.
      liveOptions: { highWaterBytes: 512 * 1024, lowWaterBytes: 128 * 1024, dropAfterMs: 4000, transcodeLingerMs: 1000, expressLingerMs: 1000 },
    },
  });
  await rig.page.goto(rig.app.url);
  await rig.page.evaluate(() => (window.kwNoReload = 1));
}, 120_000);

afterAll(async () => {
  await rig?.stop();
}, 60_000);

const tile = (id: number) => `[data-testid=live-tile][data-camera-id="${id}"]`;

async function tilesLive(count: number, what: string, timeoutMs = 30_000): Promise<TileInfo[]> {
  return waitFor(
    async () => {
      const tiles = await readTiles(rig.page);
      return tiles.length === count && tiles.every((t) => t.state === 'live') ? tiles : null;
    },
    { timeoutMs, what },
  );
}

/** Each tile's video must advance by at least `seconds` within a few seconds. */
async function expectMoving(ids: number[], seconds = 1): Promise<void> {
  const before = new Map((await readTiles(rig.page)).map((t) => [t.id, t.currentTime]));
  await waitFor(
    async () => {
      const now = await readTiles(rig.page);
      return ids.every((id) => {
        const t = now.find((x) => x.id === id);
        return t && t.currentTime - (before.get(id) ?? 0) >= seconds;
      });
    },
    { timeoutMs: 10_000, what: `video advancing in tiles ${ids.join(', ')}` },
  );
}

async function expectOwnColours(when: string): Promise<void> {
  const colours = await tileColours(rig.page);
  expect(colours).toHaveLength(9);
  for (const c of colours) {
    const index = rig.cameraIds.indexOf(c.id);
    const expected = rig.sims.cameras[index];
    const match = nearestPalette(c.rgb);
    expect({ when, camera: c.id, palette: match.index }, `tile of camera ${c.id} shows rgb(${c.rgb})`).toEqual({ when, camera: c.id, palette: COLOURS[index] });
    expect(match.distance, `colour error of camera ${c.id}`).toBeLessThan(60);
    expect(expected).toBeDefined();
  }
}

interface PlayerSnapshot {
  url: string;
  state: string;
  mediaErrors: number;
  lastMediaError: string | null;
}

/** Each running live player's inner state (mse-player.ts `snapshot()`, through `__kwLivePlayers`). */
function livePlayers(): Promise<PlayerSnapshot[]> {
  return rig.page.evaluate(() => (window as unknown as { __kwLivePlayers: () => PlayerSnapshot[] }).__kwLivePlayers());
}

/**
 * Runs in the page: counts media seeks until the maximised view's video
 * shows its first frame, then sets window.__kwSeeksBeforeFirstFrame.
 */
const SEEKS_BEFORE_FIRST_FRAME = `(() => {
  window.__kwSeeksBeforeFirstFrame = null;
  let seeks = 0;
  const count = () => { seeks += 1; };
  document.addEventListener('seeking', count, true);
  const find = () => {
    const video = document.querySelector('[data-testid=live-maximised] video');
    if (!video) return requestAnimationFrame(find);
    video.requestVideoFrameCallback(() => {
      window.__kwSeeksBeforeFirstFrame = { seeks };
      document.removeEventListener('seeking', count, true);
    });
  };
  find();
})()`;

describe('live view in Chromium', () => {
  it('shows moving video in all four tiles of a 2×2 grid', async () => {
    await pressLayout(rig.page, '2');
    const tiles = await tilesLive(4, 'four live tiles');
    expect(tiles.map((t) => t.id)).toEqual(rig.cameraIds.slice(0, 4));
    expect(tiles.every((t) => t.stream === 'sub' && t.videoWidth === 320)).toBe(true);
    await expectMoving(tiles.map((t) => t.id), 1.5);
    await waitFor(async () => (await readTiles(rig.page)).every((t) => t.recording), { timeoutMs: 10_000, what: 'recording indicators' });
    await rig.page.screenshot({ path: join(ARTIFACTS, 'live-grid-2x2.png') });
  }, 60_000);

  it('switches to the main stream when a tile is maximised, and Esc restores the grid on sub streams', async () => {
    const id = rig.cameraIds[1];
    await rig.page.evaluate(SEEKS_BEFORE_FIRST_FRAME);
    await rig.page.dblclick(tile(id));
    await rig.page.waitForSelector('[data-testid=live-maximised]');
    const [max] = await waitFor(
      async () => {
        const tiles = await readTiles(rig.page);
        return tiles.length === 1 && tiles[0].state === 'live' && tiles[0].videoWidth > 0 ? tiles : null;
      },
      { timeoutMs: 20_000, what: 'the maximised tile live' },
    );
    expect(max).toMatchObject({ id, stream: 'main', videoWidth: 640 });
    // The stream's first frame was placed at the play head (media-time.ts), not sought to: a seek first would cost the picture a pipeline flush.
    const first = await waitFor(async () => (await rig.page.evaluate('window.__kwSeeksBeforeFirstFrame')) as { seeks: number } | null, { timeoutMs: 5000, what: 'the first frame counted' });
    expect(first.seeks).toBe(0);
    expect(rig.page.url()).toContain(`#/live/${id}`);
    await expectMoving([id], 1);
    await rig.page.screenshot({ path: join(ARTIFACTS, 'live-maximised.png') });

    await rig.page.keyboard.press('Escape');
    await rig.page.waitForSelector('[data-testid=live-grid]');
    const tiles = await tilesLive(4, 'the grid back on sub streams');
    expect(tiles.map((t) => [t.stream, t.videoWidth])).toEqual(tiles.map(() => ['sub', 320]));
    await expectMoving(tiles.map((t) => t.id), 1);

    // Keyboard: the focus is back on the camera that was maximised; → then Enter maximises the next one.
    await rig.page.keyboard.press('ArrowRight');
    await rig.page.keyboard.press('Enter');
    await rig.page.waitForSelector(`[data-testid=live-maximised] ${tile(rig.cameraIds[2])}[data-stream=main]`);
    await rig.page.keyboard.press('Escape');
    await tilesLive(4, 'the grid again');
  }, 60_000);

  it('sends a maximised camera from an express connection while recording goes on untouched, and closes it with the view', async () => {
    const id = rig.cameraIds[3];
    const key = `${id}/main`;
    const segments: SegmentRow[] = [];
    const onSegment = (seg: SegmentRow) => seg.cameraId === id && segments.push(seg);
    rig.app.engine.on('segment', onSegment);
    try {
      await rig.page.evaluate((cameraId) => (location.hash = `#/live/${cameraId}`), id);
      await waitFor(() => rig.app.live.stats().express[key]?.active, { timeoutMs: 20_000, what: 'the feed switched to the express connection' });
      expect(rig.app.engine.supervisor.expressCount).toBe(1);
      // One fragment per frame (15 a second), where the recorded stream's tap brings 4 (250 ms fragments).
      const before = { fragments: rig.app.live.stats().feeds[key].fragments, at: Date.now() };
      await expectMoving([id], 2);
      const rate = (rig.app.live.stats().feeds[key].fragments - before.fragments) / ((Date.now() - before.at) / 1000);
      expect(rate).toBeGreaterThan(10);
      const [shown] = await tileColours(rig.page);
      expect({ camera: shown.id, palette: nearestPalette(shown.rgb).index }).toEqual({ camera: id, palette: COLOURS[3] });
      const stateBefore = (await readTiles(rig.page))[0].state;
      expect(stateBefore).toBe('live');
    } finally {
      await rig.page.keyboard.press('Escape');
    }
    await rig.page.waitForSelector('[data-testid=live-grid]');
    await waitFor(() => rig.app.engine.supervisor.expressCount === 0 && !rig.app.live.stats().express[key], {
      timeoutMs: 10_000,
      what: 'the express connection closed after the view',
    });
    rig.app.engine.off('segment', onSegment);
    // Recording never noticed: one run, consecutive segments, no gap.
    expect(segments.length).toBeGreaterThanOrEqual(2);
    expect(new Set(segments.map((seg) => seg.runId)).size).toBe(1);
    for (let i = 1; i < segments.length; i++) expect(segments[i].seq).toBe(segments[i - 1].seq + 1);
    await tilesLive(4, 'the grid back');
  }, 60_000);

  it('shows a camera dropped for 15 s as reconnecting/offline, then plays it again without a reload', async () => {
    const index = 2;
    const id = rig.cameraIds[index];
    const seen = new Set<string>();
    await rig.sims.cameras[index].drop();
    const droppedAt = Date.now();
    while (Date.now() - droppedAt < 15_000) {
      const tiles = await readTiles(rig.page);
      seen.add(tiles.find((t) => t.id === id)!.state);
      // The other cameras keep playing.
      expect(tiles.filter((t) => t.id !== id).every((t) => t.state === 'live')).toBe(true);
      await sleep(500);
    }
    expect(seen.has('offline') || seen.has('reconnecting')).toBe(true);
    const offlineText = await rig.page.textContent(tile(id));
    expect(offlineText).toMatch(/Camera offline|Reconnecting/);
    await rig.page.screenshot({ path: join(ARTIFACTS, 'live-camera-offline.png') });

    await rig.sims.cameras[index].restore();
    await tilesLive(4, 'the dropped camera live again', 30_000);
    await expectMoving([id], 1);
    expect(await rig.page.evaluate(() => window.kwNoReload)).toBe(1);
  }, 90_000);

  it("keeps every tile on its own camera's picture, before and after all nine drop and return at once", async () => {
    await pressLayout(rig.page, '3');
    await tilesLive(9, 'nine live tiles');
    await expectOwnColours('before the drop');
    await rig.page.screenshot({ path: join(ARTIFACTS, 'live-grid-3x3.png') });

    await rig.sims.dropAll();
    await waitFor(async () => (await readTiles(rig.page)).every((t) => t.state !== 'live'), { timeoutMs: 20_000, what: 'every tile to leave live' });
    await sleep(2000);
    await rig.sims.restoreAll();
    try {
      await tilesLive(9, 'nine live tiles after the return', 60_000);
    } catch (err) {
      // Which tile is stuck, and whether the server still has a viewer of its stream.
      const tiles = (await readTiles(rig.page)).map((t) => `${t.id}:${t.state}`).join(' ');
      const viewers = Object.entries(rig.app.live.stats().feeds).map(([feed, f]) => `${feed}:${f.viewers}`).join(' ');
      throw new Error(`${(err as Error).message}; tiles ${tiles}; server viewers ${viewers}; players ${JSON.stringify(await livePlayers())}`);
    }
    await expectMoving(rig.cameraIds, 1);
    await expectOwnColours('after all returned');
    expect(await rig.page.evaluate(() => window.kwNoReload)).toBe(1);
  }, 120_000);

  it('brings a tile back after its media element fails on a broken fragment, on a new MediaSource and without a reconnect loop', async () => {
    // A frame without a picture or a damaged box fails the media element for good:
    // every later append to its MediaSource throws (docs/live.md).
    const id = rig.cameraIds[4];
    let connections = 0;
    let latest: WebSocketRoute | null = null;
    await rig.page.routeWebSocket(new RegExp(`/api/live/${id}/sub`), (ws) => {
      connections += 1;
      latest = ws;
      const server = ws.connectToServer();
      server.onMessage((message) => ws.send(message));
    });
    // The route only sees new connections: show the tile again (it is not in the 2×2 grid).
    await pressLayout(rig.page, '2');
    await pressLayout(rig.page, '3');
    await tilesLive(9, 'nine live tiles, one through the route');
    await waitFor(() => latest !== null, { timeoutMs: 5000, what: `camera ${id}'s tile to connect through the route` });
    const before = connections;
    // A box whose size is less than its own header: the page's MP4 parser fails, and with it the media element.
    latest!.send(Buffer.from([0, 0, 0, 4, 0x6d, 0x6f, 0x6f, 0x66]));
    const recovered = await waitFor(
      async () => {
        const mine = (await livePlayers()).find((p) => p.url.includes(`/api/live/${id}/sub`));
        return mine && mine.mediaErrors > 0 && mine.state === 'live' ? mine : null;
      },
      { timeoutMs: 20_000, what: `camera ${id}'s tile to fail on the broken fragment and come back` },
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}; ${connections - before} connections since; players ${JSON.stringify(await livePlayers())}`);
    });
    // MEDIA_ERR_DECODE from the parser, or the ended MediaSource when the element's error was not set yet.
    expect(recovered.lastMediaError).toMatch(/^3: .*APPEND_FAILED|ended on an error/);
    await tilesLive(9, 'nine live tiles after the recovery');
    await expectMoving([id], 1);
    await expectOwnColours('after the recovery');
    // One new connection recovers it (two if the error shows late); the old player retried as fast as it could, forever.
    expect(connections - before).toBeLessThanOrEqual(2);
  }, 60_000);

  it('keeps recording every segment while a stalled WebSocket client is connected', async () => {
    const id = rig.cameraIds[0];
    const segments: SegmentRow[] = [];
    const onSegment = (s: SegmentRow) => s.cameraId === id && segments.push(s);
    rig.app.engine.on('segment', onSegment);
    // A client that connects and then never reads again.
    const stalled = new WebSocket(`ws://127.0.0.1:${rig.app.port}/api/live/${id}/main`, { headers: { Authorization: `Bearer ${rig.app.token}` } });
    await new Promise<void>((resolve, reject) => {
      stalled.once('open', () => resolve());
      stalled.once('error', reject);
    });
    stalled.pause();
    let dropped = false;
    stalled.on('close', () => (dropped = true));
    try {
      await sleep(14_000);
      const feed = rig.app.live.stats().feeds[`${id}/main`];
      // The slow-viewer policy really was exercised: the client was skipped ahead or cut off.
      expect(feed.droppedViewers > 0 || feed.viewerStats.some((v) => v.skippedFragments > 0)).toBe(true);
      // Recording went on: consecutive segments of one run, no gap between them.
      expect(segments.length).toBeGreaterThanOrEqual(5);
      expect(new Set(segments.map((s) => s.runId)).size).toBe(1);
      for (let i = 1; i < segments.length; i++) {
        expect(segments[i].seq).toBe(segments[i - 1].seq + 1);
        expect(Math.abs(segments[i].start - segments[i - 1].end)).toBeLessThanOrEqual(100);
      }
      // And the browser's view of the same camera never stopped.
      expect((await readTiles(rig.page)).find((t) => t.id === id)?.state).toBe('live');
      expect(dropped || feed.droppedViewers > 0 || feed.viewerStats.some((v) => v.skippingSince !== null)).toBe(true);
    } finally {
      rig.app.engine.off('segment', onSegment);
      stalled.terminate();
    }
  }, 60_000);

  it('plays H.265 cameras: from the H.264 sub stream when there is one, else through a transcode that runs only while watched', async () => {
    const tmp = tempDir('kw-live-hevc-');
    const extra = await startSimCameras(
      await makeClips(tmp.dir, [
        { color: 10, codec: 'h265', sub: { codec: 'h264' } }, // chartreuse: H.265 main, H.264 sub
        { color: 11, codec: 'h265', sub: { codec: 'h265' } }, // azure: H.265 only
      ]),
    );
    const added: number[] = [];
    try {
      for (const [i, cam] of extra.cameras.entries()) added.push((await rig.app.engine.cameras.add({ name: `HEVC ${i + 1}`, mainUrl: cam.mainUrl, subUrl: cam.subUrl })).id);
      const [mixed, hevc] = added;
      // The codecs are known once each stream has run.
      await waitFor(() => added.every((id) => rig.app.engine.cameras.get(id).streams.every((s) => s.codec)), { timeoutMs: 30_000, what: 'the codecs of the new cameras' });
      expect(rig.app.engine.cameras.get(hevc).streams.map((s) => s.codec)).toEqual(['h265', 'h265']);

      const showMaximised = async (id: number) => {
        await rig.page.evaluate((cam) => (location.hash = `#/live/${cam}`), id);
        const [t] = await waitFor(
          async () => {
            const tiles = await readTiles(rig.page);
            return tiles.length === 1 && tiles[0].id === id && tiles[0].state === 'live' ? tiles : null;
          },
          { timeoutMs: 30_000, what: `camera ${id} maximised and live` },
        );
        await expectMoving([id], 1);
        const [{ rgb }] = await tileColours(rig.page);
        return { tile: t, palette: nearestPalette(rgb).index };
      };

      // Main is H.265 but the sub is H.264: the sub is shown, nothing is transcoded.
      const a = await showMaximised(mixed);
      expect({ stream: a.tile.stream, transcoded: a.tile.transcoded, palette: a.palette }).toEqual({ stream: 'sub', transcoded: false, palette: 10 });
      expect(rig.app.live.stats().transcodes).toEqual({});

      // Only H.265: an H.264 transcode of the requested stream.
      const b = await showMaximised(hevc);
      expect({ stream: b.tile.stream, transcoded: b.tile.transcoded, palette: b.palette }).toEqual({ stream: 'main', transcoded: true, palette: 11 });
      const pid = rig.app.live.stats().transcodes[`${hevc}/main`]?.pid;
      expect(pid).toBeGreaterThan(0);
      await rig.page.screenshot({ path: join(ARTIFACTS, 'live-hevc-transcoded.png') });

      // Nobody watches any more: the transcode stops.
      await rig.page.evaluate(() => (location.hash = '#/live'));
      await waitFor(() => Object.keys(rig.app.live.stats().transcodes).length === 0 && !processAlive(pid!), { timeoutMs: 15_000, what: 'the transcode to stop' });
    } finally {
      for (const id of added) await rig.app.engine.cameras.remove(id);
      await extra.stopAll();
      tmp.cleanup();
    }
  }, 120_000);

  it('reorders tiles by drag and drop and remembers the order', async () => {
    await tilesLive(9, 'nine live tiles');
    const before = (await readTiles(rig.page)).map((t) => t.id);
    await rig.page.dragAndDrop(tile(before[8]), tile(before[0]));
    const expected = [before[8], ...before.slice(0, 8)];
    await waitFor(async () => JSON.stringify((await readTiles(rig.page)).map((t) => t.id)) === JSON.stringify(expected), { timeoutMs: 5000, what: 'the new order' });
    // Remembered (cameras removed meanwhile may linger in the list; they are skipped when it is read).
    const stored = (await rig.page.evaluate(() => JSON.parse(localStorage.getItem('kw.live.order') ?? '[]'))) as number[];
    expect(stored.filter((id) => expected.includes(id))).toEqual(expected);
    expect(rig.pageErrors).toEqual([]);
  }, 30_000);
});

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
