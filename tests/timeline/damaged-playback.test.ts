// A recording with a frame Chromium cannot decode plays on past it, in
// Debian's Chromium. One P-frame of a recorded segment is overwritten in
// place with an access unit delimiter and filler data: the same size, no
// picture. That is what a camera that drops mid-frame can leave behind, and
// Chromium's decoder refuses it ("Failed to send video packet for decoding"),
// which fails the whole media element. The player must skip that GOP and go
// on from the next keyframe, not stop for good. Likewise for a damaged box,
// which the MP4 parser rejects when its chunk is appended.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { SegmentRow } from '../../main/engine/storage/store.ts';
import { readBoxHeader } from '../../main/engine/mp4/boxes.ts';
import { parseInit } from '../../main/engine/mp4/init.ts';
import { parseMoof } from '../../main/engine/mp4/fragment.ts';
import { leadingSamples } from '../../main/engine/mp4/fragment-samples.ts';
import { ARTIFACTS, recordSegments, startTimelineFixture, stopRecording, type TimelineFixture } from './fixture.ts';

interface PageVideo {
  currentTime: number;
  readyState: number;
  dataset: Record<string, string | undefined>;
}
declare const document: { querySelector(s: string): unknown };
declare const location: { hash: string };

let f: TimelineFixture;
let camera: number;
let segments: SegmentRow[];

beforeAll(async () => {
  f = await startTimelineFixture([{ fps: 15, width: 640, height: 360 }], { renderer: true });
  camera = f.cameraIds[0];
  await recordSegments(f, camera, 6);
  await stopRecording(f, camera);
  segments = f.segments(camera);
}, 120_000);

afterAll(async () => {
  await f?.stop();
}, 30_000);

/**
 * Overwrites the first sample of the first fragment at or after `afterMs`
 * that does not start with a keyframe (a P-frame) with an access unit
 * delimiter and a filler NAL unit of the same total size. Returns the
 * fragment's media time (ms).
 */
function damageFrame(path: string, afterMs: number): number {
  const file = readFileSync(path);
  const video = parseInit(file).video!;
  for (let at = 0; at < file.length; ) {
    const box = readBoxHeader(file, at)!;
    if (box.type !== 'moof') {
      at += box.size;
      continue;
    }
    const mdat = readBoxHeader(file, at + box.size)!;
    const fragment = file.subarray(at, at + box.size + mdat.size);
    const run = parseMoof(fragment.subarray(0, box.size), parseInit(file)).runs.find((r) => r.trackId === video.trackId)!;
    const ms = (run.baseDecodeTime / video.timescale) * 1000;
    const [sample] = leadingSamples(fragment, video.trackId, 1) ?? [];
    if (ms >= afterMs && !run.startsWithSync && sample && sample.data.length >= 12) {
      const n = sample.data.length;
      const nothing = Buffer.concat([
        Buffer.from([0, 0, 0, 2, 0x09, 0xf0]), // access unit delimiter
        Buffer.from([(n - 10) >>> 24, ((n - 10) >>> 16) & 255, ((n - 10) >>> 8) & 255, (n - 10) & 255, 0x0c]), // filler data...
        Buffer.alloc(n - 12, 0xff),
        Buffer.from([0x80]), // ...and its stop bit
      ]);
      nothing.copy(file, sample.data.byteOffset - file.byteOffset);
      writeFileSync(path, file);
      return ms;
    }
    at += box.size + mdat.size;
  }
  throw new Error('no P-frame fragment to damage');
}

/** Breaks the first fragment's track run in place: a sample count far beyond its box, which the browser's MP4 parser rejects. */
function damageBox(path: string): void {
  const file = readFileSync(path);
  const trun = file.indexOf('trun', file.indexOf('moof'));
  file.writeUInt32BE(0x00ffffff, trun + 8); // trun: type, version+flags, then sample_count
  writeFileSync(path, file);
}

/** The UTC time the camera's <video> shows, its tile's state and how many damaged GOPs it skipped. */
function tile(page: Page, id: number): Promise<{ shown: number | null; state: string; skipped: number }> {
  return page.evaluate((cameraId) => {
    const v = document.querySelector(`video[data-camera-id="${cameraId}"]`) as PageVideo | null;
    const figure = document.querySelector(`figure[data-camera-id="${cameraId}"]`) as { dataset: Record<string, string | undefined> } | null;
    const shown = v && v.readyState >= 2 && v.dataset.origin !== undefined ? Number(v.dataset.origin) + v.currentTime * 1000 : null;
    return { shown, state: figure?.dataset.state ?? '', skipped: Number(figure?.dataset.skipped ?? 0) };
  }, id);
}

/** Opens the timeline at `at` (UTC ms), waits for a frame and presses play. */
async function playFrom(page: Page, at: number): Promise<void> {
  await page.goto(`http://127.0.0.1:${f.app.port}/#/timeline?cameras=${camera}&t=${at}`);
  await page.waitForSelector('[data-testid=timeline-page]');
  await f.waitFor('a frame', async () => (await tile(page, camera)).shown !== null, 15_000);
  await page.click('[data-testid=play-toggle]');
}

/** Waits until the video shows a time after `utc`; on timeout, says what the tile shows. */
function playedPast(page: Page, utc: number, what: string): Promise<{ shown: number | null; state: string; skipped: number }> {
  return f
    .waitFor(
      `playback past ${what}`,
      async () => {
        const t = await tile(page, camera);
        return t.shown !== null && t.shown > utc ? t : null;
      },
      30_000,
    )
    .catch(async (err: Error) => {
      throw new Error(`${err.message}: the tile shows ${JSON.stringify(await tile(page, camera))}, waiting for ${utc}`);
    });
}

describe('a damaged recording', () => {
  it('plays on from the next keyframe after a frame the browser cannot decode', async () => {
    const damaged = segments[2];
    const badAt = damaged.start + damageFrame(f.app.engine.store.absolutePath(damaged.file), 300);
    const { page, errors } = await f.browser();
    await playFrom(page, segments[1].start + 200);
    // Playback reaches the damaged frame, skips its GOP and plays the segments after it.
    const past = await playedPast(page, badAt + 1500, 'the damaged frame');
    expect(past.skipped).toBe(1);
    expect(past.state).not.toBe('error');
    // Still playing: the video moves on.
    const before = past.shown!;
    await f.waitFor('the video moving on', async () => ((await tile(page, camera)).shown ?? 0) > before + 500, 10_000);

    // Paused on the damaged GOP, the tile says what is wrong there.
    await page.click('[data-testid=play-toggle]');
    await page.evaluate((hash) => (location.hash = hash), `#/timeline?cameras=${camera}&t=${Math.round(badAt)}`);
    await f.waitFor('the tile to say the recording is damaged here', async () => (await tile(page, camera)).state === 'damaged', 15_000);
    expect(await page.textContent(`figure[data-camera-id="${camera}"] .kwt-tile__overlay`)).toMatch(/damaged/);
    await page.screenshot({ path: join(ARTIFACTS, 'timeline-damaged.png') });
    expect(errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
    await page.context().close();
  }, 90_000);

  it('plays on past a damaged box, which the browser rejects while it is appended, well ahead of the playhead', async () => {
    const damaged = segments[4];
    damageBox(f.app.engine.store.absolutePath(damaged.file));
    const { page, errors } = await f.browser();
    await playFrom(page, segments[3].start + 200);
    // The damaged segment's first chunk (here the whole 2 s segment) is skipped; the next segment plays.
    const past = await playedPast(page, damaged.end + 500, 'the damaged segment');
    expect(past.skipped).toBe(1);
    expect(past.state).not.toBe('error');
    expect(errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
    await page.context().close();
  }, 90_000);
});
