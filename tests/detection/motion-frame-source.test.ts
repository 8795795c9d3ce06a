// The detection frame source without ffmpeg: a fake decoder process and a
// fake live feed, checking what is written to the decoder, how raw output
// becomes frames, dropping while busy, restarts, and clean stops.
import { EventEmitter } from 'node:events';
import { PassThrough, Writable } from 'node:stream';
import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { startFrameSource, type FrameDecoderRunner, type FrameFeed, type FrameSourceOptions } from '../../main/engine/detection/frame-source.ts';
import { decodeSize, frameDecoderArgs } from '../../main/engine/detection/frame-source-args.ts';
import { FrameClock } from '../../main/engine/detection/frame-source-clock.ts';
import type { LiveViewer, StreamDescription } from '../../main/engine/live/live-stream.ts';
import type { RgbFrame } from '../../main/engine/detection/types.ts';
import { silentLogger } from '../../main/engine/log.ts';
import { waitFor } from '../helpers/wait.ts';
import { makeClip } from './motion-clip.ts';

class FakeProcess extends EventEmitter {
  static nextPid = 1000;
  readonly pid = FakeProcess.nextPid++;
  readonly written: Buffer[] = [];
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly stdin: Writable;
  killed: string | null = null;
  constructor() {
    super();
    this.stdin = new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        this.written.push(chunk);
        cb();
      },
    });
  }
  kill(signal = 'SIGTERM'): boolean {
    this.killed = signal;
    return true;
  }
  /** ffmpeg writes raw bytes. */
  emitOutput(bytes: Uint8Array): void {
    this.stdout.emit('data', Buffer.from(bytes));
  }
  exit(code: number): void {
    this.emit('close', code, null);
  }
}

class FakeRunner implements FrameDecoderRunner {
  readonly spawned: { command: string; args: readonly string[]; proc: FakeProcess }[] = [];
  spawn(command: string, args: readonly string[]): ChildProcess {
    const proc = new FakeProcess();
    this.spawned.push({ command, args, proc });
    return proc as unknown as ChildProcess;
  }
  get last(): FakeProcess {
    return this.spawned.at(-1)!.proc;
  }
}

class FakeFeed implements FrameFeed {
  viewer: LiveViewer | null = null;
  subscribedKind: string | null = null;
  closed = 0;
  constructor(private readonly kinds: ('main' | 'sub')[] = ['main', 'sub']) {}
  plan(cameraId: number, kind: 'main' | 'sub') {
    return cameraId === 1 && this.kinds.includes(kind) ? { cameraId, requested: kind, source: kind, transcode: false } : null;
  }
  subscribe(cameraId: number, kind: 'main' | 'sub', viewer: LiveViewer) {
    const plan = this.plan(cameraId, kind);
    if (!plan) return null;
    this.viewer = viewer;
    this.subscribedKind = kind;
    return { plan, close: () => void this.closed++ };
  }
}

const description = (width = 64, height = 36): StreamDescription => ({ mimeType: 'video/mp4', codec: 'h264', width, height, stream: 'sub', transcoded: false });

function setup(extra: Partial<FrameSourceOptions> = {}, kinds?: ('main' | 'sub')[]) {
  const feed = new FakeFeed(kinds);
  const runner = new FakeRunner();
  const frames: RgbFrame[] = [];
  const restarts: string[] = [];
  let now = 1_000_000;
  const source = startFrameSource({
    hub: feed,
    cameraId: 1,
    fps: 5,
    ffmpegPath: '/opt/ffmpeg',
    runner,
    log: silentLogger,
    now: () => now,
    onFrame: (f) => void frames.push(f),
    onRestart: (r) => void restarts.push(r),
    ...extra,
  });
  return { feed, runner, frames, restarts, source: source!, advance: (ms: number) => (now += ms) };
}

/** One 64×36 yuv420p frame: the Y plane, then quarter-size U and V. */
const FRAME = 64 * 36 + 2 * 32 * 18;

describe('detection decoder arguments', () => {
  it('decodes fMP4 from stdin to raw yuv420p on stdout at the detection rate and size', () => {
    const args = frameDecoderArgs({ fps: 5, size: { width: 640, height: 360 } });
    const joined = args.join(' ');
    expect(joined).toContain('-f mp4 -i pipe:0');
    expect(joined).toContain('-vf fps=5,scale=640:360:flags=area');
    expect(joined).toMatch(/-pix_fmt yuv420p -f rawvideo pipe:1$/);
    expect(joined).toContain('-flush_packets 1'); // a frame leaves whole, not partly held until the next
    expect(frameDecoderArgs({ fps: 5, size: { width: 64, height: 36 }, format: 'rgb24' }).join(' ')).toMatch(/-pix_fmt rgb24 -f rawvideo pipe:1$/);
    expect(joined).not.toContain('nobuffer');
    expect(() => frameDecoderArgs({ fps: 0, size: { width: 2, height: 2 } })).toThrow();
  });

  it('sizes frames so the longer side is at most 640, even, aspect kept', () => {
    expect(decodeSize(1920, 1080)).toEqual({ width: 640, height: 360 });
    expect(decodeSize(1080, 1920)).toEqual({ width: 360, height: 640 });
    expect(decodeSize(704, 576)).toEqual({ width: 640, height: 524 });
    expect(decodeSize(320, 240)).toEqual({ width: 320, height: 240 });
    expect(() => decodeSize(0, 10)).toThrow();
  });
});

describe('frame clock', () => {
  it('maps media times to the wall clock by the earliest arrival', () => {
    const clock = new FrameClock();
    // Fragments of 250 ms; the first two arrive together (cached GOP replayed), later ones on time.
    clock.fragment(10_000, 250);
    clock.fragment(10_000, 500);
    clock.fragment(10_260, 750);
    clock.fragment(10_505, 1000);
    // Offset = min(arrival - media end) = 10_000 - 500 (the second fragment was on time; the first was late).
    expect(clock.frameTime(0, 20_000)).toBe(9500);
    expect(clock.frameTime(600, 20_000)).toBe(9500 + 600);
    // Never after now.
    expect(clock.frameTime(600, 9_900)).toBe(9_900);
  });

  it('forgets the old media clock when the decoder restarts (a new run starts its media time again)', () => {
    const clock = new FrameClock();
    clock.fragment(10_000, 250);
    clock.restart();
    clock.fragment(50_000, 250);
    expect(clock.frameTime(0, 60_000)).toBe(49_750);
  });

  it('uses the arrival time when it knows no media time', () => {
    expect(new FrameClock().frameTime(null, 1234)).toBe(1234);
    const clock = new FrameClock();
    clock.fragment(10_000, 250);
    expect(clock.frameTime(null, 1234)).toBe(1234);
  });
});

describe('detection frame source', () => {
  it('subscribes to the sub stream, or main when there is none', () => {
    expect(setup().feed.subscribedKind).toBe('sub');
    expect(setup({}, ['main']).feed.subscribedKind).toBe('main');
    expect(startFrameSource({ hub: new FakeFeed(), cameraId: 2, fps: 5, ffmpegPath: 'ffmpeg', runner: new FakeRunner(), log: silentLogger, onFrame: () => undefined })).toBeNull();
  });

  it('uses the hub’s direct feed when it has one (no re-planning of H.265 streams)', () => {
    const feed = new FakeFeed();
    const direct: string[] = [];
    const hub: FrameFeed = {
      plan: (id, kind) => feed.plan(id, kind),
      subscribe: () => {
        throw new Error('the planned path must not be used');
      },
      subscribeDirect: (id, kind, viewer) => {
        direct.push(kind);
        return feed.subscribe(id, kind, viewer);
      },
    };
    const source = startFrameSource({ hub, cameraId: 1, fps: 5, ffmpegPath: 'ffmpeg', runner: new FakeRunner(), log: silentLogger, onFrame: () => undefined });
    expect(source?.stream).toBe('sub');
    expect(direct).toEqual(['sub']);
  });

  it('pipes the init and fragments into one ffmpeg and turns its output into frames', () => {
    const { feed, runner, frames, restarts } = setup();
    expect(runner.spawned).toHaveLength(0); // nothing until the stream runs
    feed.viewer!.init(description(), Buffer.from('INIT'));
    expect(runner.spawned).toHaveLength(1);
    expect(runner.spawned[0].command).toBe('/opt/ffmpeg');
    expect(runner.spawned[0].args).toEqual(frameDecoderArgs({ fps: 5, size: { width: 64, height: 36 } }));
    feed.viewer!.fragment(Buffer.from('F1'), true);
    feed.viewer!.fragment(Buffer.from('F2'), false);
    expect(Buffer.concat(runner.last.written).toString()).toBe('INITF1F2');
    expect(restarts).toEqual(['new-run']);
    // Two and a half frames, in awkward chunks.
    const raw = new Uint8Array(FRAME * 2.5).map((_, i) => i % 251);
    runner.last.emitOutput(raw.subarray(0, 1000));
    runner.last.emitOutput(raw.subarray(1000, FRAME + 7));
    expect(frames).toHaveLength(1);
    expect(frames[0].width).toBe(64);
    expect(frames[0].height).toBe(36);
    expect(Buffer.from(frames[0].data).equals(Buffer.from(raw.subarray(0, FRAME)))).toBe(true);
    runner.last.emitOutput(raw.subarray(FRAME + 7));
    expect(frames).toHaveLength(2);
    expect(Buffer.from(frames[1].data).equals(Buffer.from(raw.subarray(FRAME, 2 * FRAME)))).toBe(true);
    expect(frames[1].at).toBeGreaterThan(frames[0].at);
    expect(frames[0].data).not.toBe(frames[1].data); // two buffers take turns
    // The third frame refills the first frame's buffer (its consumer returned long ago), not a new one.
    runner.last.emitOutput(raw.subarray(0, FRAME / 2));
    expect(frames).toHaveLength(3);
    expect(frames[2].data).toBe(frames[0].data);
    const third = Buffer.concat([raw.subarray(2 * FRAME), raw.subarray(0, FRAME / 2)]);
    expect(Buffer.from(frames[2].data).equals(third)).toBe(true);
  });

  it('drops frames while the consumer is busy, and counts them', async () => {
    let release: () => void = () => undefined;
    const seen: number[] = [];
    const held: Uint8Array[] = [];
    const { feed, runner, source } = setup({
      onFrame: (f) => {
        seen.push(f.data[0]);
        held.push(f.data);
        return new Promise<void>((r) => (release = r));
      },
    });
    feed.viewer!.init(description(), Buffer.from('INIT'));
    for (let i = 0; i < 4; i++) runner.last.emitOutput(new Uint8Array(FRAME).fill(i));
    expect(seen).toEqual([0]);
    expect(source.stats()).toMatchObject({ decoded: 4, delivered: 1, droppedBusy: 3 });
    expect(held[0].every((v) => v === 0)).toBe(true); // the busy consumer's buffer was not refilled by the dropped frames
    release();
    await waitFor(() => {
      runner.last.emitOutput(new Uint8Array(FRAME).fill(9));
      return seen.length === 2;
    }, { timeoutMs: 2000, intervalMs: 10, what: 'the next frame after the consumer finished' });
    expect(seen).toEqual([0, 9]);
  });

  it('skips to the next keyframe when ffmpeg falls behind', () => {
    const { feed, runner, source } = setup({ maxQueuedBytes: 100 });
    feed.viewer!.init(description(), Buffer.from('INIT'));
    const proc = runner.last;
    // Make stdin look clogged.
    Object.defineProperty(proc.stdin, 'writableLength', { value: 500, configurable: true });
    feed.viewer!.fragment(Buffer.from('A'), false);
    feed.viewer!.fragment(Buffer.from('B'), true);
    Object.defineProperty(proc.stdin, 'writableLength', { value: 0, configurable: true });
    feed.viewer!.fragment(Buffer.from('C'), false); // still waiting for a keyframe
    feed.viewer!.fragment(Buffer.from('D'), true);
    feed.viewer!.fragment(Buffer.from('E'), false);
    expect(Buffer.concat(proc.written).toString()).toBe('INITDE');
    expect(source.stats().skippedFragments).toBe(3);
  });

  it('restarts ffmpeg on a new init (camera reconnect) and tells the detector', () => {
    const { feed, runner, restarts, frames } = setup();
    feed.viewer!.init(description(), Buffer.from('INIT1'));
    const first = runner.last;
    first.emitOutput(new Uint8Array(FRAME / 2));
    feed.viewer!.offline();
    feed.viewer!.init(description(32, 18), Buffer.from('INIT2'));
    expect(first.killed).toBe('SIGKILL');
    expect(runner.spawned).toHaveLength(2);
    expect(runner.spawned[1].args.join(' ')).toContain('scale=32:18');
    expect(restarts).toEqual(['new-run', 'new-run']);
    // The half frame of the old run is not glued to the new run's output.
    runner.last.emitOutput(new Uint8Array(32 * 18 + 2 * 16 * 9).fill(5));
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({ width: 32, height: 18, format: 'yuv420p' });
    expect(frames[0].data[0]).toBe(5);
  });

  it('restarts a crashed ffmpeg at the next keyframe, after a pause', () => {
    const { feed, runner, restarts, source, advance } = setup();
    feed.viewer!.init(description(), Buffer.from('INIT'));
    runner.last.exit(1);
    feed.viewer!.fragment(Buffer.from('K1'), true); // too soon after the crash
    expect(runner.spawned).toHaveLength(1);
    advance(5000);
    feed.viewer!.fragment(Buffer.from('f'), false); // not a keyframe
    expect(runner.spawned).toHaveLength(1);
    feed.viewer!.fragment(Buffer.from('K2'), true);
    expect(runner.spawned).toHaveLength(2);
    expect(Buffer.concat(runner.last.written).toString()).toBe('INITK2');
    expect(restarts).toEqual(['new-run', 'decoder-restart']);
    expect(source.stats().decoderCrashes).toBe(1);
  });

  it('with keyframes when still: only still keyframes reach ffmpeg after the warm-up, every fragment while kept awake; a stream whose times jump back gets a fresh decoder', async () => {
    const clip = await makeClip({ seconds: 8, motion: [], lightStepAt: null });
    const { feed, runner, source, advance, restarts } = setup({ keyframesWhenStill: true, stillWarmupMs: 1000 });
    feed.viewer!.init(description(), clip.init);
    const proc = runner.last;
    const key = (i: number) => clip.fragments[i].info.runs[0].startsWithSync;
    const push = (i: number, bytes = clip.fragments[i].bytes) => {
      advance(250);
      feed.viewer!.fragment(bytes, key(i));
    };
    const writes = () => proc.written.length;
    for (let i = 0; i < 8; i++) push(i); // 0–1 s: warm-up, every fragment; from the keyframe at 1 s, keyframes alone
    const afterWarmup = writes();
    expect(afterWarmup).toBe(1 + 4 + 3);
    for (let i = 8; i < 16; i++) push(i); // 2–4 s: still
    expect(source.stats()).toMatchObject({ decoding: 'keyframes', wakes: 0 });
    expect(writes() - afterWarmup).toBe(3 * 2); // two keyframes, each with its two push-out frames
    source.stayAwake(2000);
    const beforeWake = writes();
    push(16); // a keyframe fragment: on whole from here
    push(17);
    expect(writes() - beforeWake).toBe(2);
    expect(source.stats()).toMatchObject({ decoding: 'every-frame', wakes: 1 });
    expect(source.stats().stillKeyframes).toBe(3);

    // The camera's clock jumps back to the start within the same run: the feed cannot continue its timeline.
    push(0);
    expect(proc.killed).toBe('SIGKILL');
    expect(runner.spawned).toHaveLength(1);
    push(18); // not a keyframe: still waiting
    expect(runner.spawned).toHaveLength(1);
    push(20);
    expect(key(20)).toBe(true);
    expect(runner.spawned).toHaveLength(2);
    expect(restarts).toEqual(['new-run', 'decoder-restart']);
  });

  it('close() kills ffmpeg and detaches from the feed; nothing more is written', () => {
    const { feed, runner, source } = setup();
    feed.viewer!.init(description(), Buffer.from('INIT'));
    const proc = runner.last;
    source.close();
    expect(proc.killed).toBe('SIGKILL');
    expect(feed.closed).toBe(1);
    feed.viewer!.fragment(Buffer.from('late'), true);
    feed.viewer!.init(description(), Buffer.from('INIT'));
    expect(runner.spawned).toHaveLength(1);
    expect(Buffer.concat(proc.written).toString()).toBe('INIT');
    expect(source.stats().running).toBe(false);
  });

  it('reports a decoder that cannot be started, and tries again later', () => {
    const errors: string[] = [];
    const { feed, runner, advance } = setup({ onError: (m) => void errors.push(m) });
    feed.viewer!.init(description(), Buffer.from('INIT'));
    runner.last.emit('error', new Error('spawn /opt/ffmpeg ENOENT'));
    expect(errors).toEqual(['cannot start the detection decoder: spawn /opt/ffmpeg ENOENT']);
    advance(5000);
    feed.viewer!.fragment(Buffer.from('K'), true);
    expect(runner.spawned).toHaveLength(2);
  });

  it('stops for good when the camera is removed', () => {
    const ended: string[] = [];
    const { feed, runner } = setup({ onEnd: (r) => void ended.push(r) });
    feed.viewer!.init(description(), Buffer.from('INIT'));
    feed.viewer!.drop('gone', 'the camera or stream was removed');
    expect(runner.last.killed).toBe('SIGKILL');
    expect(ended).toEqual(['gone']);
  });
});
