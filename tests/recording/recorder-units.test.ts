/**
 * StreamRecorder, SegmentPipeline and LiveTap without a camera, an ffmpeg or
 * a sleep: a fake ffmpeg behind the injected runner writes real fragmented-MP4
 * bytes where the real one would, and a ManualClock drives the recorder's
 * timers (stall detection, connect timeout, backoff).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManualClock } from '../../main/engine/clock.ts';
import { silentLogger } from '../../main/engine/log.ts';
import { Store, databaseOf } from '../../main/engine/storage/store.ts';
import { nodeDisk, type Disk } from '../../main/engine/storage/disk.ts';
import { StreamRecorder, DEFAULT_RECORDER_OPTIONS, type RecorderOptions } from '../../main/engine/recording/stream-recorder.ts';
import { LiveTap } from '../../main/engine/recording/live-tap.ts';
import type { LiveSink } from '../../main/engine/recording/pipeline.ts';
import { summarizeFragmentedMp4 } from '../../main/engine/mp4/file-summary.ts';
import { parseMoof } from '../../main/engine/mp4/fragment.ts';
import type { InitInfo } from '../../main/engine/mp4/init.ts';
import { tempDir } from '../helpers/tmp.ts';
import { encodeFragmentedSample } from '../helpers/fragmented-sample.ts';
import { waitFor } from '../helpers/wait.ts';
import { FakeRunner, fakeOpener, splitFragmented } from './fake-ffmpeg.ts';

const tmp = tempDir('kw-recorder-units-');
let sample: { init: Buffer; fragments: Buffer[]; whole: Buffer };

beforeAll(() => {
  // 4 s, a keyframe every second, 250 ms fragments: K f f f K f f f ...
  const file = join(tmp.dir, 'sample.mp4');
  const whole = encodeFragmentedSample(file, { seconds: 4, gop: 20 });
  sample = { ...splitFragmented(whole), whole };
});
afterAll(() => tmp.cleanup());

const T0 = Date.UTC(2026, 11, 6, 3, 0, 0);
const OPTIONS: RecorderOptions = {
  ...DEFAULT_RECORDER_OPTIONS,
  segmentMs: 2000,
  stallMs: 4000,
  connectTimeoutMs: 8000,
  healthyRunMs: 5000,
  backoff: { baseMs: 1000, capMs: 8000 },
};

let n = 0;
function setup(disk?: Disk) {
  const clock = new ManualClock(T0);
  const store = Store.open({ databaseFile: join(tmp.dir, `db${++n}`), recordingsRoot: join(tmp.dir, `rec${n}`), clock, disk });
  const cameraId = store.insertCamera({ name: 'c', enabled: true, source: 'rtsp', credentials: null, maxAgeMs: null, streams: [{ kind: 'main', url: 'rtsp://camera.invalid/' }] });
  const runner = new FakeRunner();
  const recorder = new StreamRecorder(cameraId, 'main', true, { store, clock, runner, ffmpegPath: 'ffmpeg', opener: fakeOpener, log: silentLogger, random: () => 0 }, OPTIONS);
  const spawned = (count: number) => waitFor(() => runner.spawned[count - 1], { timeoutMs: 5000, intervalMs: 2, what: `ffmpeg #${count}` });
  const state = (s: string) => waitFor(() => recorder.status.state === s, { timeoutMs: 5000, intervalMs: 2, what: s });
  return { clock, store, cameraId, runner, recorder, spawned, state };
}

describe('StreamRecorder (fake ffmpeg, manual clock)', () => {
  it('kills a stream that stalls after stallMs, goes offline with the reason, and retries after the backoff', async () => {
    const { clock, recorder, spawned, state } = setup();
    recorder.start();
    const first = await spawned(1);
    first.progress(500);
    await state('recording');
    clock.advance(OPTIONS.stallMs); // exactly stallMs without data: not yet
    expect(first.signals).toEqual([]);
    clock.advance(1000);
    expect(first.signals).toEqual(['SIGKILL']);
    await state('offline');
    expect(recorder.status.lastError).toBe('stream stalled: no data for 5 s');
    // Equal jitter with random() = 0: half of base·2^0.
    expect(recorder.status.retryAt).toBe(clock.now() + 500);
    clock.advance(499);
    expect(recorder.status.state).toBe('offline');
    clock.advance(1);
    const second = await spawned(2);
    second.progress(100);
    await state('recording');
    await recorder.stop();
    expect(second.signals).toEqual(['SIGTERM']);
    expect(recorder.status.state).toBe('disabled');
  });

  it('gives up an attempt that brings no data within connectTimeoutMs, and backs off further each time', async () => {
    const { clock, recorder, spawned, state } = setup();
    recorder.start();
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 4; attempt++) {
      const proc = await spawned(attempt);
      clock.advance(OPTIONS.connectTimeoutMs + 1000);
      expect(proc.signals).toEqual(['SIGKILL']);
      await waitFor(() => recorder.status.state === 'offline' && recorder.status.lastError?.startsWith('no video') && recorder.status.retryAt! > clock.now(), { timeoutMs: 5000, intervalMs: 2, what: `offline #${attempt}` });
      delays.push(recorder.status.retryAt! - clock.now());
      clock.advance(recorder.status.retryAt! - clock.now());
    }
    expect(delays).toEqual([500, 1000, 2000, 4000]);
    expect(recorder.status.lastError).toBe('no video from the camera within 8 s');
    await recorder.stop();
    await state('disabled');
  });
});

describe('StreamRecorder backoff after a healthy run', () => {
  it('starts again from the shortest delay once a run lasted healthyRunMs', async () => {
    const { clock, recorder, spawned, state } = setup();
    recorder.start();
    for (let attempt = 1; attempt <= 3; attempt++) {
      (await spawned(attempt)).exit(1); // refused at once, three times: 500, 1000, 2000 ms
      await waitFor(() => recorder.status.state === 'offline' && recorder.status.retryAt! > clock.now(), { timeoutMs: 5000, intervalMs: 2, what: `offline #${attempt}` });
      clock.advance(recorder.status.retryAt! - clock.now());
    }
    const healthy = await spawned(4);
    for (let t = 0; t <= OPTIONS.healthyRunMs; t += 1000) {
      healthy.progress(t + 100);
      await state('recording');
      clock.advance(1000);
    }
    healthy.exit(0);
    await waitFor(() => recorder.status.state === 'offline' && recorder.status.retryAt! > clock.now(), { timeoutMs: 5000, intervalMs: 2, what: 'offline after a healthy run' });
    expect(recorder.status.retryAt! - clock.now()).toBe(500);
    await recorder.stop();
  });

  it('stopping while the run folder is being prepared spawns nothing and leaves no run behind', async () => {
    const { store, recorder, runner } = setup();
    recorder.start();
    await recorder.stop(); // before prepare() resolved
    expect(runner.spawned).toHaveLength(0);
    expect(recorder.status.state).toBe('disabled');
    expect(databaseOf(store).prepare('SELECT COUNT(*) AS n FROM runs').get()).toEqual({ n: 0 });
  });
});

describe('SegmentPipeline (fake ffmpeg, manual clock)', () => {
  it('seals a finished segment (header, fsync of file and folder) before its row exists, then recovers the one ffmpeg could not finish', async () => {
    // A disk that notes, at every fsync, how many segment rows exist.
    const syncs: { path: string; rowsThen: number }[] = [];
    const real = nodeDisk();
    let rows = () => 0;
    const disk: Disk = {
      ...real,
      sync: (path) => {
        syncs.push({ path, rowsThen: rows() });
        return real.sync(path);
      },
    };
    const t = setup(disk);
    const { store, clock, recorder, spawned, state } = t;
    rows = () => store.cameraStorage(t.cameraId).segments;
    recorder.start();
    const ff = await spawned(1);
    // Segment 1: 2 s of footage, written whole; ffmpeg reports 2 s of output.
    ff.write(1, Buffer.concat([sample.init, ...sample.fragments.slice(0, 8)]));
    ff.progress(2000);
    await state('recording');
    ff.finished(1, 0, 2);
    const first = await waitFor(() => store.querySegments(t.cameraId, 0, T0 + 1e6)[0], { timeoutMs: 5000, intervalMs: 2, what: 'segment 1 indexed' });
    // The anchor: arrival (T0) minus media time (2 s).
    expect(first).toMatchObject({ seq: 1, start: T0 - 2000, end: T0, recovered: false, codec: 'h264', width: 160, height: 90 });
    expect(first.bytes).toBe(statSync(ff.segmentPath(1)).size);
    // The crash rule: file, then its folder, fsynced while no row pointed at them.
    expect(syncs.map((s) => s.path)).toEqual([ff.segmentPath(1), join(ff.segmentPath(1), '..')]);
    expect(syncs.every((s) => s.rowsThen === 0)).toBe(true);
    // The real duration is in the header now (ffmpeg's empty_moov says 0).
    expect(summarizeFragmentedMp4(readFileSync(ff.segmentPath(1))).init.mvhdDurationField).not.toBeNull();

    // Segment 2: ffmpeg is killed with 1.5 s and half a fragment written.
    const torn = sample.fragments[14].subarray(0, Math.floor(sample.fragments[14].length / 2));
    ff.write(2, Buffer.concat([sample.init, ...sample.fragments.slice(8, 14), torn]));
    clock.advance(1500);
    ff.exit(255);
    await state('offline');
    const indexed = store.querySegments(t.cameraId, 0, T0 + 1e6);
    expect(indexed).toHaveLength(2);
    expect(indexed[1]).toMatchObject({ seq: 2, recovered: true, start: first.end, end: first.end + 1500 });
    expect(statSync(ff.segmentPath(2)).size).toBe(indexed[1].bytes); // the torn half fragment was cut
    await recorder.stop();
    expect(existsSync(ff.segmentPath(3))).toBe(false);
  });
});

class RecordingSink implements LiveSink {
  watching = true;
  inits: InitInfo[] = [];
  fragments: { decodeTime: number; keyframe: boolean }[] = [];
  ended = 0;
  onInit(_c: number, _k: 'main' | 'sub', _b: Buffer, info: InitInfo) {
    this.inits.push(info);
  }
  onFragment(_c: number, _k: 'main' | 'sub', f: { info: { runs: { baseDecodeTime: number; startsWithSync: boolean }[] } }) {
    this.fragments.push({ decodeTime: f.info.runs[0].baseDecodeTime, keyframe: f.info.runs[0].startsWithSync });
  }
  onEnd() {
    this.ended++;
  }
  wants() {
    return this.watching;
  }
}

describe('LiveTap (a file being written)', () => {
  it('starts at the latest keyframe, follows the file as it grows, shifts the next file by its start, and ends', async () => {
    const { store, cameraId } = setup();
    const { folder } = await store.files.prepareRun(cameraId, 7, T0);
    const [a, b] = [store.files.segmentOfRun(folder, 7, 1), store.files.segmentOfRun(folder, 7, 2)];
    const init = splitFragmented(sample.whole).init;
    const info = summarizeFragmentedMp4(sample.whole).init;
    const timeOf = (i: number) => parseMoof(sample.fragments[i].subarray(0, sample.fragments[i].readUInt32BE(0)), info).runs[0].baseDecodeTime;
    const sink = new RecordingSink();
    const tap = new LiveTap(cameraId, 'main', sink, store.files);

    // Six fragments written: K f f f K f — a new viewer starts at the second K.
    writeFileSync(store.absolutePath(a), Buffer.concat([init, ...sample.fragments.slice(0, 6)]));
    tap.setFile(a, 0);
    tap.tick();
    await tap.settled();
    expect(sink.inits).toHaveLength(1);
    expect(sink.fragments).toEqual([{ decodeTime: timeOf(4), keyframe: true }, { decodeTime: timeOf(5), keyframe: false }]);

    // ffmpeg flushes two more fragments.
    appendFileSync(store.absolutePath(a), Buffer.concat(sample.fragments.slice(6, 8)));
    tap.tick();
    await tap.settled();
    expect(sink.fragments.map((f) => f.decodeTime)).toEqual([4, 5, 6, 7].map(timeOf));

    // The next segment restarts at time 0 on disk; live time continues at 2 s.
    writeFileSync(store.absolutePath(b), Buffer.concat([init, ...sample.fragments.slice(0, 2)]));
    tap.setFile(b, 2);
    tap.tick();
    await tap.settled();
    const shift = 2 * info.video!.timescale;
    expect(sink.fragments.slice(4).map((f) => f.decodeTime)).toEqual([timeOf(0) + shift, timeOf(1) + shift]);
    expect(sink.inits).toHaveLength(1); // same stream: the init is not announced again

    // Nobody watches: the tap lets go of the file and goes idle.
    sink.watching = false;
    tap.tick();
    await tap.settled();
    expect(tap.active).toBe(false);
    await tap.stop();
    expect(sink.ended).toBe(1);
  });
});
