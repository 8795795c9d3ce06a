/**
 * The supervisor's express connections (main/engine/live/express.ts) with a
 * fake ffmpeg and a manual clock: only beside a running recorded stream,
 * live-only and one fragment per frame, silent about status, retried slowly,
 * and stopped with the camera's recorder.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ManualClock } from '../../main/engine/clock.ts';
import { silentLogger } from '../../main/engine/log.ts';
import { Store } from '../../main/engine/storage/store.ts';
import { DEFAULT_RECORDER_OPTIONS, type RecorderOptions } from '../../main/engine/recording/stream-recorder.ts';
import { EXPRESS_BACKOFF, RecordingSupervisor } from '../../main/engine/recording/supervisor.ts';
import type { LiveSink } from '../../main/engine/recording/pipeline.ts';
import type { CameraOpener } from '../../main/engine/ingest/opener.ts';
import { tempDir } from '../helpers/tmp.ts';
import { encodeFragmentedSample } from '../helpers/fragmented-sample.ts';
import { waitFor } from '../helpers/wait.ts';
import { encodeH264Flv } from '../helpers/h264-flv.ts';
import { FakeRunner, fakeOpener, splitFragmented } from './fake-ffmpeg.ts';

const tmp = tempDir('kw-express-');
let sample: { init: Buffer; fragments: Buffer[] };

beforeAll(() => {
  sample = splitFragmented(encodeFragmentedSample(join(tmp.dir, 'sample.mp4'), { seconds: 2, gop: 20 }));
});
afterAll(() => tmp.cleanup());

const OPTIONS: RecorderOptions = { ...DEFAULT_RECORDER_OPTIONS, segmentMs: 2000, stallMs: 4000, connectTimeoutMs: 8000, healthyRunMs: 5000 };

let n = 0;
function setup() {
  const clock = new ManualClock(Date.UTC(2026, 11, 6, 15, 0, 0));
  const store = Store.open({ databaseFile: join(tmp.dir, `db${++n}`), recordingsRoot: join(tmp.dir, `rec${n}`), clock });
  const cameraId = store.insertCamera({
    name: 'porch',
    enabled: true,
    source: 'rtsp',
    credentials: null,
    maxAgeMs: null,
    streams: [
      { kind: 'main', url: 'rtsp://camera.invalid/main' },
      { kind: 'sub', url: 'rtsp://camera.invalid/sub' },
    ],
  });
  const runner = new FakeRunner();
  const statuses: string[] = [];
  const supervisor = new RecordingSupervisor(
    { store, clock, runner, ffmpegPath: 'ffmpeg', opener: probeTellingOpener, log: silentLogger, random: () => 0, onStatus: (id, kind, s) => statuses.push(`${id}/${kind} ${s.state}`) },
    OPTIONS,
  );
  const spawned = (count: number) => waitFor(() => runner.spawned[count - 1], { timeoutMs: 5000, intervalMs: 2, what: `ffmpeg #${count}` });
  const received: string[] = [];
  const sink: LiveSink = {
    onInit: (id, kind) => received.push(`init ${id}/${kind}`),
    onFragment: (id, kind) => received.push(`fragment ${id}/${kind}`),
    onEnd: (id, kind) => received.push(`end ${id}/${kind}`),
  };
  return { clock, store, cameraId, runner, supervisor, spawned, statuses, received, sink };
}

/** The fake opener, with the quick probe (OpenOptions) shown in the arguments it gives. */
const probeTellingOpener: CameraOpener = {
  open: (camera, stream, options) => {
    const opened = fakeOpener.open(camera, stream);
    return { ...opened, inputArgs: [...(options?.quickProbe ? ['-fpsprobesize', '0'] : []), ...opened.inputArgs] };
  },
};

describe('express connections', () => {
  it('opens a live-only connection beside a recorded stream, sending each frame as its own fragment, without touching the status', async () => {
    const { cameraId, supervisor, spawned, statuses, received, sink } = setup();
    supervisor.startAll();
    const both = [await spawned(1), await spawned(2)];
    // The recording writes segment files; the sub stream is live-only, on stdout.
    const main = both.find((p) => p.args.at(-1) !== 'pipe:1')!;
    const sub = both.find((p) => p.args.at(-1) === 'pipe:1')!;
    expect(main && sub).toBeTruthy();

    expect(supervisor.startExpress(cameraId, 'sub', sink)).toBe(false); // live-only already
    expect(supervisor.startExpress(cameraId + 1, 'main', sink)).toBe(false); // no such recorder
    const statusesBefore = statuses.length;
    expect(supervisor.startExpress(cameraId, 'main', sink)).toBe(true);
    expect(supervisor.startExpress(cameraId, 'main', sink)).toBe(true); // one per stream
    const express = await spawned(3);
    expect(supervisor.expressCount).toBe(1);
    expect(express.args.at(-1)).toBe('pipe:1');
    // The stream's codec is not known yet: fMP4, 1 ms fragments (every frame closes one).
    expect(express.args[express.args.indexOf('-frag_duration') + 1]).toBe('1000');
    // It opens the camera with the quick probe (it starts about 1.3 s sooner); the recording and the sub stream do not.
    expect(express.args).toContain('-fpsprobesize');
    expect([...main.args, ...sub.args]).not.toContain('-fpsprobesize');

    express.stdout.write(Buffer.concat([sample.init, sample.fragments[0], sample.fragments[1]]));
    await waitFor(() => received.length >= 3, { timeoutMs: 5000, intervalMs: 2, what: 'the express media' });
    expect(received).toEqual([`init ${cameraId}/main`, `fragment ${cameraId}/main`, `fragment ${cameraId}/main`]);
    expect(statuses.length).toBe(statusesBefore); // the camera's status is its recorder's alone

    supervisor.stopExpress(cameraId, 'main');
    await waitFor(() => express.exited, { timeoutMs: 5000, intervalMs: 2, what: 'the express ffmpeg to stop' });
    expect(express.signals).toEqual(['SIGTERM']);
    expect(main.exited || sub.exited).toBe(false);
    expect(received.at(-1)).toBe(`end ${cameraId}/main`);
    expect(supervisor.expressCount).toBe(0);
    await supervisor.stopAll();
  });

  it('takes an H.264 stream as FLV, each frame a fragment the moment it arrives; other codecs as fMP4', async () => {
    const { cameraId, store, supervisor, spawned, received, sink } = setup();
    supervisor.startAll();
    await spawned(2);
    const main = store.listStreams(cameraId).find((s) => s.kind === 'main')!;
    store.updateStreamInfo(main.id, { codec: 'h264', width: 320, height: 180, audioCodec: null });
    expect(supervisor.startExpress(cameraId, 'main', sink)).toBe(true);
    const express = await spawned(3);
    expect(express.args.slice(express.args.indexOf('-an') + 1)).toEqual(['-f', 'flv', '-flvflags', 'no_duration_filesize+no_metadata', '-flush_packets', '1', 'pipe:1']);
    // Three frames of H.264 in FLV, as ffmpeg writes it: an init, then a fragment per frame, none held back.
    const flv = encodeH264Flv({ size: '320x180', frames: 3 });
    express.stdout.write(flv);
    await waitFor(() => received.length >= 4, { timeoutMs: 5000, intervalMs: 2, what: 'the express media' });
    expect(received).toEqual([`init ${cameraId}/main`, ...Array(3).fill(`fragment ${cameraId}/main`)]);
    supervisor.stopExpress(cameraId, 'main');
    await waitFor(() => express.exited, { timeoutMs: 5000, intervalMs: 2, what: 'the express ffmpeg to stop' });

    // FLV carries no H.265 here (ffmpeg 5.1): such a stream keeps fMP4, one frame per fragment.
    store.updateStreamInfo(main.id, { codec: 'h265', width: 320, height: 180, audioCodec: null });
    expect(supervisor.startExpress(cameraId, 'main', sink)).toBe(true);
    const hevc = await spawned(4);
    expect(hevc.args).toContain('mp4');
    expect(hevc.args[hevc.args.indexOf('-frag_duration') + 1]).toBe('1000');
    await supervisor.stopAll();
  });

  it('retries a refused connection slowly', async () => {
    const { clock, cameraId, runner, supervisor, spawned, sink } = setup();
    supervisor.startAll();
    await spawned(2);
    supervisor.startExpress(cameraId, 'main', sink);
    const express = await spawned(3);
    const timers = clock.pending;
    express.exit(1); // e.g. 453 Not Enough Bandwidth: the camera takes no more clients
    await waitFor(() => clock.pending > timers, { timeoutMs: 5000, intervalMs: 2, what: 'the retry to be scheduled' });
    const retryIn = EXPRESS_BACKOFF.baseMs / 2; // equal jitter, random() = 0
    clock.advance(retryIn - 1);
    expect(runner.spawned.length).toBe(3);
    clock.advance(1);
    await spawned(4);
    await supervisor.stopAll();
  });

  it('is stopped with its camera: removed, or its main stream changed', async () => {
    const { store, cameraId, supervisor, spawned, sink } = setup();
    supervisor.startAll();
    await spawned(2);
    supervisor.startExpress(cameraId, 'main', sink);
    const first = await spawned(3);
    store.setStreamUrl(cameraId, 'main', 'rtsp://camera.invalid/other');
    await supervisor.sync(cameraId);
    expect(first.exited).toBe(true);
    expect(supervisor.expressCount).toBe(0);

    const recorder = await spawned(4); // the main stream's new recorder
    expect(recorder.args.at(-1)).not.toBe('pipe:1');
    supervisor.startExpress(cameraId, 'main', sink);
    const second = await spawned(5);
    await supervisor.remove(cameraId);
    expect(second.exited).toBe(true);
    expect(supervisor.expressCount).toBe(0);
    expect(supervisor.startExpress(cameraId, 'main', sink)).toBe(false);
  });

  it('closes every express connection when low-latency live view is turned off', async () => {
    const { cameraId, supervisor, spawned, sink } = setup();
    supervisor.startAll();
    await spawned(2);
    supervisor.startExpress(cameraId, 'main', sink);
    const express = await spawned(3);
    supervisor.stopExpresses();
    await waitFor(() => express.exited, { timeoutMs: 5000, intervalMs: 2, what: 'the express ffmpeg to stop' });
    expect(supervisor.expressCount).toBe(0);
    await supervisor.stopAll();
  });
});
