// Several cameras played together on the Timeline page, in Debian Chromium:
// two simulated cameras recorded at the same time (each frame carries its
// capture time as a barcode), played from one playhead. While playing, the
// UTC time each <video> shows (its session origin + currentTime) stays close
// to the other camera's and to the page's playhead (the timeline clock); when
// paused, the two frames on screen carry the same capture time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ARTIFACTS, recordSegments, sleep, startTimelineFixture, stopRecording, type TimelineFixture } from './fixture.ts';
import { decodeTimestampFromRow } from '../sim/signature.ts';

interface PageVideo {
  currentTime: number;
  readyState: number;
  paused: boolean;
  videoWidth: number;
  videoHeight: number;
  dataset: Record<string, string | undefined>;
}
interface PageCanvas {
  width: number;
  height: number;
  getContext(k: '2d', o?: object): { drawImage(v: unknown, x: number, y: number): void; getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
}
declare const document: { querySelector(s: string): unknown; createElement(t: 'canvas'): PageCanvas };

/** How far apart (ms) the cameras' shown times, and each and the playhead, may be while playing. */
const PLAYING_TOLERANCE_MS = 250;

let f: TimelineFixture;
let cameras: number[];
let from: number;
let to: number;

beforeAll(async () => {
  f = await startTimelineFixture([{ fps: 15, width: 640, height: 360 }, { fps: 15, width: 640, height: 360 }], { renderer: true });
  cameras = f.cameraIds;
  await Promise.all(cameras.map((c) => recordSegments(f, c, 6, 60_000)));
  for (const c of cameras) await stopRecording(f, c);
  // The stretch both cameras have footage for.
  from = Math.max(...cameras.map((c) => f.segments(c)[0].start));
  to = Math.min(...cameras.map((c) => f.segments(c).at(-1)!.end));
  mkdirSync(ARTIFACTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await f?.stop();
}, 30_000);

interface Sample {
  playhead: number;
  playing: boolean;
  shown: (number | null)[];
}

/** One reading of the playhead and of each camera's shown UTC time (null when its video has no frame yet). */
async function sample(page: Page): Promise<Sample> {
  return page.evaluate((ids) => {
    const pageEl = document.querySelector('[data-testid=timeline-page]') as { dataset: Record<string, string | undefined> };
    const shown = ids.map((id) => {
      const v = document.querySelector(`video[data-camera-id="${id}"]`) as PageVideo | null;
      if (!v || v.readyState < 2 || v.dataset.origin === undefined) return null;
      return Number(v.dataset.origin) + v.currentTime * 1000;
    });
    return { playhead: Number(pageEl.dataset.playhead), playing: pageEl.dataset.playing === 'true', shown };
  }, cameras);
}

/** The capture time burnt into the frame camera `id`'s <video> shows now. */
async function barcodeTime(page: Page, id: number): Promise<number | null> {
  const { row, width } = await page.evaluate((cameraId) => {
    const v = document.querySelector(`video[data-camera-id="${cameraId}"]`) as PageVideo;
    const c = document.createElement('canvas');
    c.width = v.videoWidth;
    c.height = v.videoHeight;
    const g = c.getContext('2d', { willReadFrequently: true });
    g.drawImage(v, 0, 0);
    const strip = Math.max(8, Math.floor(c.height / 16) & ~1);
    const rgba = g.getImageData(0, c.height - Math.floor(strip / 2), c.width, 1).data;
    const rgb: number[] = [];
    for (let i = 0; i < rgba.length; i += 4) rgb.push(rgba[i], rgba[i + 1], rgba[i + 2]);
    return { row: rgb, width: c.width };
  }, id);
  return decodeTimestampFromRow(Uint8Array.from(row), width);
}

describe('several cameras on one timeline', () => {
  it('play in sync with each other and with the timeline clock', async () => {
    const { page, errors } = await f.browser();
    const start = from + 300;
    await page.goto(`http://127.0.0.1:${f.app.port}/#/timeline?cameras=${cameras.join(',')}&t=${start}`);
    await page.waitForSelector('[data-testid=timeline-page]');
    await f.waitFor('both cameras showing a frame', async () => (await sample(page)).shown.every((t) => t !== null), 15_000);
    await page.click('[data-testid=play-toggle]');
    await f.waitFor('playing', async () => (await sample(page)).playing, 5000);

    const samples: Sample[] = [];
    const playFor = Math.min(6000, to - start - 1500);
    const began = Date.now();
    while (Date.now() - began < playFor) {
      samples.push(await sample(page));
      await sleep(150);
    }
    await page.screenshot({ path: join(ARTIFACTS, 'timeline-sync.png') });
    const playing = samples.filter((s) => s.playing && s.shown.every((t) => t !== null));
    expect(playing.length, 'samples taken while both cameras played').toBeGreaterThanOrEqual(20);

    const between = playing.map((s) => Math.abs(s.shown[0]! - s.shown[1]!));
    const toClock = playing.flatMap((s) => s.shown.map((t) => Math.abs(t! - s.playhead)));
    const worst = (xs: number[]) => Math.round(Math.max(...xs));
    console.log(`sync while playing (ms): cameras apart max ${worst(between)}, camera vs clock max ${worst(toClock)} over ${playing.length} samples`);
    expect(worst(between)).toBeLessThanOrEqual(PLAYING_TOLERANCE_MS);
    expect(worst(toClock)).toBeLessThanOrEqual(PLAYING_TOLERANCE_MS);
    // And it really played: the clock moved about as far as the wall clock.
    const moved = playing.at(-1)!.playhead - playing[0].playhead;
    const elapsed = playFor - 150 * 2;
    expect(moved).toBeGreaterThan(elapsed * 0.7);

    // Paused, both tiles show frames captured at the same moment.
    await page.click('[data-testid=play-toggle]');
    await f.waitFor('paused and settled', async () => {
      const s = await sample(page);
      return !s.playing && s.shown.every((t) => t !== null && Math.abs(t - s.playhead) < 5);
    }, 10_000);
    await sleep(200); // let the compositor paint the decoded frames
    const [a, b] = [await barcodeTime(page, cameras[0]), await barcodeTime(page, cameras[1])];
    expect(a, 'barcode of camera 1 readable').not.toBeNull();
    expect(b, 'barcode of camera 2 readable').not.toBeNull();
    console.log(`paused: capture times differ by ${Math.abs(a! - b!)} ms`);
    // Two cameras recorded at once; their transport latencies differ a little
    // (barcode resolution 100 ms, frames 67 ms apart).
    expect(Math.abs(a! - b!)).toBeLessThanOrEqual(250);
    expect(errors).toEqual([]);
    await page.context().close();
  }, 90_000);
});
