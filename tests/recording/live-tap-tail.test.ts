/**
 * The live tap starting in the middle of a long segment: it finds the latest
 * keyframe from the file's tail (a couple of reads, not one per fragment
 * from the start), and back within a moment of a pause it continues after
 * what it sent instead of sending the cached GOP again. Real fragmented-MP4
 * bytes from ffmpeg; reads counted at the storage module's Disk.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManualClock } from '../../main/engine/clock.ts';
import { Store } from '../../main/engine/storage/store.ts';
import { nodeDisk, type Disk } from '../../main/engine/storage/disk.ts';
import { LiveTap, RESUME_WITHIN_MS, WATCH_SILENCE_MS } from '../../main/engine/recording/live-tap.ts';
import { tailFragments } from '../../main/engine/recording/tail-fragments.ts';
import type { LiveSink } from '../../main/engine/recording/pipeline.ts';
import { summarizeFragmentedMp4 } from '../../main/engine/mp4/file-summary.ts';
import { parseMoof } from '../../main/engine/mp4/fragment.ts';
import type { InitInfo } from '../../main/engine/mp4/init.ts';
import { tempDir } from '../helpers/tmp.ts';
import { encodeFragmentedSample } from '../helpers/fragmented-sample.ts';
import { splitFragmented } from './fake-ffmpeg.ts';

const tmp = tempDir('kw-live-tap-tail-');
/** 60 s, a keyframe every 2 s, 250 ms fragments: 240 fragments, like a recorded 60 s segment. */
let sample: { init: Buffer; fragments: Buffer[]; info: InitInfo };

beforeAll(() => {
  const file = join(tmp.dir, 'sample.mp4');
  const whole = encodeFragmentedSample(file, { seconds: 60, gop: 40 });
  sample = { ...splitFragmented(whole), info: summarizeFragmentedMp4(whole).init };
}, 60_000);
afterAll(() => tmp.cleanup());

const timeOf = (f: Buffer) => parseMoof(f.subarray(0, f.readUInt32BE(0)), sample.info).runs[0].baseDecodeTime;
const isKey = (f: Buffer) => parseMoof(f.subarray(0, f.readUInt32BE(0)), sample.info).runs[0].startsWithSync;

/**
 * A Disk that counts the reads of recordings (whole-buffer reads and reads
 * through an open file). With `manualWatch`, change notifications come only
 * when the test calls `notify` (else from the real file system).
 */
function countingDisk(manualWatch = false): { disk: Disk; reads: () => number; notify: () => void } {
  const inner = nodeDisk();
  let reads = 0;
  const watchers = new Set<() => void>();
  const disk: Disk = {
    ...inner,
    watch(path, onChange) {
      if (!manualWatch) return inner.watch(path, onChange);
      watchers.add(onChange);
      return () => watchers.delete(onChange);
    },
    async read(path, position, length) {
      reads++;
      return inner.read(path, position, length);
    },
    async openReader(path) {
      const r = await inner.openReader(path);
      return {
        read: (buffer, offset, length, position) => {
          reads++;
          return r.read(buffer, offset, length, position);
        },
        close: () => r.close(),
      };
    },
  };
  return { disk, reads: () => reads, notify: () => watchers.forEach((f) => f()) };
}

class Sink implements LiveSink {
  watching = true;
  fragments: { time: number; keyframe: boolean }[] = [];
  onInit() {}
  onFragment(_c: number, _k: 'main' | 'sub', f: { info: { runs: { baseDecodeTime: number; startsWithSync: boolean }[] } }) {
    this.fragments.push({ time: f.info.runs[0].baseDecodeTime, keyframe: f.info.runs[0].startsWithSync });
  }
  onEnd() {}
  wants() {
    return this.watching;
  }
}

let n = 0;
async function setup(manualWatch = false) {
  const clock = new ManualClock(Date.UTC(2026, 11, 6, 12));
  const counting = countingDisk(manualWatch);
  const store = Store.open({ databaseFile: join(tmp.dir, `db${++n}`), recordingsRoot: join(tmp.dir, `rec${n}`), clock, disk: counting.disk });
  const cameraId = store.insertCamera({ name: 'c', enabled: true, source: 'rtsp', credentials: null, maxAgeMs: null, streams: [{ kind: 'main', url: 'rtsp://camera.invalid/' }] });
  const { folder } = await store.files.prepareRun(cameraId, 3, clock.now());
  const file = store.files.segmentOfRun(folder, 3, 1);
  const sink = new Sink();
  const tap = new LiveTap(cameraId, 'main', sink, store.files, () => clock.now());
  return { clock, store, file, abs: store.absolutePath(file), sink, tap, reads: counting.reads, notify: counting.notify };
}

describe('LiveTap joining a long segment', () => {
  it('starts at the latest keyframe of a 60 s segment with a few reads, not one per fragment', async () => {
    const { abs, file, sink, tap, reads } = await setup();
    // 59 s written (236 fragments); the latest keyframe is fragment 232 (a keyframe every 8 fragments).
    writeFileSync(abs, Buffer.concat([sample.init, ...sample.fragments.slice(0, 236)]));
    const latestKey = sample.fragments.slice(0, 236).findLastIndex(isKey);
    expect(latestKey).toBe(232);
    const before = reads();
    tap.setFile(file, 0);
    tap.tick();
    await tap.settled();
    expect(sink.fragments.map((f) => f.time)).toEqual(sample.fragments.slice(latestKey, 236).map(timeOf));
    expect(sink.fragments[0].keyframe).toBe(true);
    // The header, the tail, and the live fragments themselves (read once, 64 KB at a time).
    expect(reads() - before).toBeLessThanOrEqual(5);
    await tap.stop();
  });

  it('back within a moment continues after what it sent; after a longer pause it starts at the latest keyframe again', async () => {
    const { clock, abs, file, sink, tap } = await setup();
    writeFileSync(abs, Buffer.concat([sample.init, ...sample.fragments.slice(0, 100)]));
    tap.setFile(file, 0);
    tap.tick();
    await tap.settled();
    expect(sink.fragments.map((f) => f.time)).toEqual(sample.fragments.slice(96, 100).map(timeOf));

    // The last viewer leaves; ffmpeg writes on; a viewer comes back 1 s later.
    sink.watching = false;
    tap.tick();
    await tap.settled();
    appendFileSync(abs, Buffer.concat(sample.fragments.slice(100, 106)));
    clock.advance(RESUME_WITHIN_MS - 500);
    sink.watching = true;
    tap.tick();
    await tap.settled();
    // Fragments 96-99 (the GOP the hub still caches) are not sent again; 100-105 follow them.
    expect(sink.fragments.map((f) => f.time)).toEqual(sample.fragments.slice(96, 106).map(timeOf));

    // Longer away: the GOP the hub held is stale, so the tap starts at the latest keyframe (104).
    sink.watching = false;
    tap.tick();
    await tap.settled();
    appendFileSync(abs, Buffer.concat(sample.fragments.slice(106, 110)));
    clock.advance(RESUME_WITHIN_MS + 1000);
    sink.watching = true;
    sink.fragments = [];
    tap.tick();
    await tap.settled();
    expect(sink.fragments.map((f) => f.time)).toEqual(sample.fragments.slice(104, 110).map(timeOf));
    expect(sink.fragments[0].keyframe).toBe(true);
    await tap.stop();
  });
});

describe('LiveTap following a file', () => {
  it('reads each write the watch reports and polls nothing between them; polls every tick again once the watch falls silent', async () => {
    const { clock, abs, file, sink, tap, reads, notify } = await setup(true);
    writeFileSync(abs, Buffer.concat([sample.init, ...sample.fragments.slice(0, 8)]));
    tap.setFile(file, 0);
    tap.tick();
    await tap.settled();
    expect(sink.fragments.map((f) => f.time)).toEqual(sample.fragments.slice(0, 8).map(timeOf));
    // Nothing has been reported yet: each 100 ms tick polls.
    let before = reads();
    clock.advance(100);
    tap.tick();
    await tap.settled();
    expect(reads() - before).toBe(1);

    // ffmpeg writes a fragment every 250 ms and each write is reported: read at once, and the ticks between read nothing.
    before = reads();
    let reportedAt = 0;
    for (let i = 8; i < 16; i++) {
      appendFileSync(abs, sample.fragments[i]);
      notify();
      reportedAt = clock.now();
      await tap.settled();
      for (let t = 0; t < 2; t++) {
        clock.advance(100);
        tap.tick();
        await tap.settled();
      }
      clock.advance(50);
    }
    expect(sink.fragments.map((f) => f.time)).toEqual(sample.fragments.slice(0, 16).map(timeOf));
    expect(reads() - before).toBe(8); // one read per reported write, none per tick

    // A write whose report never comes is found by the polls that start once the watch has been silent for a while.
    appendFileSync(abs, sample.fragments[16]);
    clock.set(reportedAt + WATCH_SILENCE_MS - 50);
    tap.tick();
    await tap.settled();
    expect(sink.fragments).toHaveLength(16);
    clock.advance(100);
    tap.tick();
    await tap.settled();
    expect(sink.fragments.map((f) => f.time)).toEqual(sample.fragments.slice(0, 17).map(timeOf));
    // Still silent: every tick polls, as with no watch at all.
    before = reads();
    for (let t = 0; t < 3; t++) {
      clock.advance(100);
      tap.tick();
      await tap.settled();
    }
    expect(reads() - before).toBe(3);
    await tap.stop();
  });
});

describe('tailFragments', () => {
  const file = () => Buffer.concat([sample.init, ...sample.fragments.slice(0, 50)]);
  const reader = (buf: Buffer) => async (position: number, length: number) => buf.subarray(position, position + length);

  it('lists the complete fragments at the end, without a torn last one, growing the window until a keyframe is in it', async () => {
    const whole = file();
    const torn = Buffer.concat([whole, sample.fragments[50].subarray(0, 100)]);
    const tail = await tailFragments(reader(torn), torn.length, sample.init.length, sample.info, (f) => f.some((x) => x.keyframe), 64);
    expect(tail.at(-1)!.offset + tail.at(-1)!.size).toBe(whole.length);
    expect(tail.map((f) => f.videoTime)).toEqual(sample.fragments.slice(50 - tail.length, 50).map(timeOf));
    expect(tail.some((f) => f.keyframe)).toBe(true);
    expect(tail.findLast((f) => f.keyframe)!.videoTime).toBe(timeOf(sample.fragments[48]));
  });

  it('is not fooled by picture data that looks like a moof', async () => {
    // A fake moof header (with an mfhd) planted in the last fragment's picture data.
    const fragments = sample.fragments.slice(0, 50).map((f) => Buffer.from(f));
    const last = fragments[49];
    const moofSize = last.readUInt32BE(0);
    const fake = Buffer.alloc(24);
    fake.writeUInt32BE(24, 0);
    fake.write('moof', 4, 'latin1');
    fake.writeUInt32BE(16, 8);
    fake.write('mfhd', 12, 'latin1');
    fake.copy(last, moofSize + 8 + 10);
    const whole = Buffer.concat([sample.init, ...fragments]);
    const tail = await tailFragments(reader(whole), whole.length, sample.init.length, sample.info, (f) => f.some((x) => x.keyframe), 4096);
    expect(tail.length).toBeGreaterThan(0);
    expect(tail.at(-1)!.videoTime).toBe(timeOf(sample.fragments[49]));
    expect(tail.at(-1)!.offset + tail.at(-1)!.size).toBe(whole.length);
  });

  it('reads the whole file when no keyframe is anywhere, and finds nothing in a file with no fragment yet', async () => {
    const noKey = Buffer.concat([sample.init, ...sample.fragments.slice(1, 8)]);
    const all = await tailFragments(reader(noKey), noKey.length, sample.init.length, sample.info, (f) => f.some((x) => x.keyframe), 64);
    expect(all.map((f) => f.videoTime)).toEqual(sample.fragments.slice(1, 8).map(timeOf));
    expect(await tailFragments(reader(sample.init), sample.init.length, sample.init.length, sample.info, () => true)).toEqual([]);
  });
});
