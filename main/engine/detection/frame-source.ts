/**
 * Decoded frames of one camera for detection, from the live fan-out (no
 * second camera connection).
 *
 * API (for the DetectionService):
 *   const source = startFrameSource({
 *     hub, cameraId, fps, ffmpegPath, log,
 *     onFrame(frame) {...},              // RgbFrame; may return a promise: frames are dropped until it settles
 *     onRestart(reason) {...},           // 'new-run' (camera (re)connected) | 'decoder-restart': call detector.reset()
 *     onOffline() {...},                 // the camera dropped; frames resume after the next onRestart
 *     onEnd(reason) {...},               // the camera or stream was removed, or the server shuts down
 *     onError(message) {...},            // ffmpeg cannot be started (it keeps retrying)
 *   });                                  // null when the camera (or its stream) does not exist
 *   source.stayAwake(ms);                // decode every frame for at least ms (keyframesWhenStill)
 *   source.stats(); source.close();
 *
 * - It is a LiveViewer of the camera's sub stream (the main stream when it
 *   has none): the recorder's fMP4 fragments are piped into one ffmpeg
 *   (frame-source-args.ts) whose stdout is raw yuv420p at the detection
 *   rate, longer side ≤ 640 px (frames carry `format: 'yuv420p'`).
 * - Frame times: see frame-source-clock.ts (the fragments' media times mapped
 *   to the wall clock; the arrival time when that is unknown).
 * - `keyframesWhenStill`: while the consumer does not keep it awake, only
 *   keyframes are decoded (decoder-feed.ts).
 * - Never waits: fragments are written to ffmpeg's stdin without waiting; when
 *   more than `maxQueuedBytes` is queued there (ffmpeg cannot keep up) the
 *   source skips ahead to the next keyframe itself, and past the hub's own
 *   limit the hub does. A frame that arrives while the consumer is still busy
 *   with the previous one (its promise has not settled) is dropped and
 *   counted.
 * - A new init (camera reconnect, new recorder run) restarts ffmpeg: its MP4
 *   demuxer reads one moov per input. A crashed ffmpeg is restarted at the
 *   next keyframe, waiting longer after each crash in a row.
 * - A frame's buffer is the consumer's until `onFrame` returns (or, when it
 *   returns a promise, until that settles); after that the source refills
 *   it (two buffers take turns: a new 345 KB buffer per frame was most of
 *   the engine's garbage collection). Copy what you keep.
 */
import type { ChildProcess } from 'node:child_process';
import { killFed, nodeProcessRunner, writeStdin } from '../ingest/process-runner.ts';
import type { Logger } from '../log.ts';
import type { StreamKind } from '../storage/store.ts';
import type { LivePlan, LiveSubscription } from '../live/live-hub.ts';
import type { DropReason, LiveViewer, StreamDescription } from '../live/live-stream.ts';
import { parseInit, type InitInfo } from '../mp4/init.ts';
import { frameBytes } from './frame-format.ts';
import type { FrameFormat, RgbFrame } from './types.ts';
import { decodeSize, frameDecoderArgs, type DecodeSize } from './frame-source-args.ts';
import { FrameClock } from './frame-source-clock.ts';
import { DecoderFeed, type DecodeMode } from './decoder-feed.ts';

/**
 * Spawns the decoder with stdin, stdout and stderr piped (an argument array,
 * never a shell). Same shape as ingest's ProcessRunner, but that one ignores
 * stdin; tests inject a fake process.
 */
export interface FrameDecoderRunner {
  spawn(command: string, args: readonly string[]): ChildProcess;
}

/**
 * Real processes through the engine's process runner, so the decoder dies
 * with the engine on every OS (ingest/process-runner.ts), stdin kept open
 * for the live fragments.
 */
export const nodeDecoderRunner: FrameDecoderRunner = {
  spawn: (command, args) => nodeProcessRunner.spawn(command, args, { stdinPipe: true }),
};

/** The part of the LiveHub a frame source uses. */
export interface FrameFeed {
  plan(cameraId: number, kind: StreamKind): LivePlan | null;
  subscribe(cameraId: number, kind: StreamKind, viewer: LiveViewer): LiveSubscription | null;
  /**
   * Optional: the stream's own feed, never re-planned. `subscribe` serves an
   * H.265 stream from the other stream or a transcode (for browsers); ffmpeg
   * decodes H.265 itself, and the other stream may be the 1080p main one.
   * Used when the hub has it.
   */
  subscribeDirect?(cameraId: number, kind: StreamKind, viewer: LiveViewer): LiveSubscription | null;
}

export type FrameSourceRestart = 'new-run' | 'decoder-restart';

export interface FrameSourceOptions {
  hub: FrameFeed;
  cameraId: number;
  /** Frames per second decoded (the detection rate). */
  fps: number;
  /** Which stream to decode; default the sub stream when the camera has one, else main. */
  stream?: StreamKind;
  /** Longer side of the decoded frames (px). */
  maxSide?: number;
  ffmpegPath: string | (() => string);
  runner?: FrameDecoderRunner;
  log: Logger;
  now?: () => number;
  /** Bytes queued on ffmpeg's stdin beyond which the source skips to the next keyframe. */
  maxQueuedBytes?: number;
  /** Decode only keyframes until `stayAwake` is called (decoder-feed.ts); default false. */
  keyframesWhenStill?: boolean;
  /** With keyframesWhenStill: every frame is decoded this long after each decoder start (default 5000 ms). */
  stillWarmupMs?: number;
  onFrame(frame: RgbFrame): void | Promise<unknown>;
  /** The decoder restarted on a new picture sequence: relearn the background. */
  onRestart?(reason: FrameSourceRestart): void;
  /** The camera stream went offline. */
  onOffline?(): void;
  /** The source stopped for good (camera or stream removed, shutdown); close() is not needed after it. */
  onEnd?(reason: DropReason): void;
  /** ffmpeg could not be started (missing, not executable); the source keeps retrying with a growing pause. */
  onError?(message: string): void;
}

export interface FrameSourceStats {
  cameraId: number;
  stream: StreamKind;
  running: boolean;
  pid: number | undefined;
  size: DecodeSize | null;
  /** Frames decoded by ffmpeg. */
  decoded: number;
  /** Frames handed to onFrame. */
  delivered: number;
  /** Frames dropped because onFrame was still busy. */
  droppedBusy: number;
  /** Fragments not sent to ffmpeg because it had fallen behind. */
  skippedFragments: number;
  /** Decoder starts (one per camera run, plus crash restarts). */
  decoderStarts: number;
  decoderCrashes: number;
  /** What the decoder is given now: every frame, or keyframes only while the picture is still. */
  decoding: DecodeMode;
  /** Keyframes decoded alone while the picture was still, and fragments not decoded then. */
  stillKeyframes: number;
  stillFragments: number;
  /** Times every-frame decoding resumed. */
  wakes: number;
}

export interface FrameSource {
  readonly stream: StreamKind;
  /** Decode every frame for at least `ms` from now (something moves); no effect unless keyframesWhenStill. */
  stayAwake(ms: number): void;
  stats(): FrameSourceStats;
  close(): void;
}

const DEFAULT_MAX_QUEUED = 1024 * 1024;
/** The decoder's output layout (frame-source-args.ts). */
const FORMAT: FrameFormat = 'yuv420p';

/** A frame buffer: not zeroed (ffmpeg's output overwrites all of it). */
const newFrameBuffer = (bytes: number): Uint8Array => Buffer.allocUnsafeSlow(bytes);
/** Fallback when the init segment does not tell the picture size. */
const FALLBACK_SIZE = { width: 640, height: 360 };

/** Starts decoding; null when the camera or the stream does not exist. */
export function startFrameSource(options: FrameSourceOptions): FrameSource | null {
  const stream = options.stream ?? (options.hub.plan(options.cameraId, 'sub') ? 'sub' : 'main');
  const source = new DetectionFrameSource(options, stream);
  return source.start() ? source : null;
}

class DetectionFrameSource implements LiveViewer, FrameSource {
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly runner: FrameDecoderRunner;
  private readonly clock = new FrameClock();
  private feed: DecoderFeed | null = null;
  /** Feed counters of the decoders before the current one. */
  private readonly earlier = { stillKeyframes: 0, stillFragments: 0, wakes: 0 };
  private subscription: LiveSubscription | null = null;
  private proc: ChildProcess | null = null;
  private closed = false;
  private runInit: Buffer | null = null;
  private runInfo: InitInfo | null = null;
  private size: DecodeSize | null = null;
  /** The frame being filled from ffmpeg's stdout. */
  private pending: Uint8Array | null = null;
  /** The buffer of the frame delivered last: filled next, once its consumer is done with it. */
  private spare: Uint8Array | null = null;
  private filled = 0;
  private frameIndex = 0;
  private busy = false;
  /** Skipping fragments until a keyframe (ffmpeg fell behind). */
  private skipToKeyframe = false;
  /** ffmpeg died mid-run: start a new one at the next keyframe. */
  private restartAtKeyframe = false;
  private crashesInARow = 0;
  private restartNotBefore = 0;
  private resubscribeTimer: NodeJS.Timeout | null = null;
  /** A decoder told to finish (its camera went offline): its exit is not a crash. */
  private ending: ChildProcess | null = null;
  private stderrTail = '';
  private lastAt = -Infinity;
  /** Media time of the frame delivered last by this decoder. */
  private lastMediaMs = -Infinity;
  private readonly counters = { decoded: 0, delivered: 0, droppedBusy: 0, skippedFragments: 0, decoderStarts: 0, decoderCrashes: 0 };

  constructor(
    private readonly o: FrameSourceOptions,
    readonly stream: StreamKind,
  ) {
    this.log = o.log;
    this.now = o.now ?? Date.now;
    this.runner = o.runner ?? nodeDecoderRunner;
  }

  start(): boolean {
    const hub = this.o.hub;
    if (hub.subscribeDirect) {
      this.subscription = hub.subscribeDirect(this.o.cameraId, this.stream, this);
      return this.subscription !== null;
    }
    const plan = hub.plan(this.o.cameraId, this.stream);
    if (!plan) return false;
    if (plan.transcode || plan.source !== this.stream) {
      // The hub serves H.265 to browsers from the other stream or a transcode;
      // ffmpeg decodes either, but this is what the hub gives us.
      this.log.info(`camera ${this.o.cameraId}: detection decodes the ${plan.source} stream${plan.transcode ? ' (through the live transcode)' : ''}`);
    }
    this.subscription = hub.subscribe(this.o.cameraId, this.stream, this);
    return this.subscription !== null;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.resubscribeTimer) clearTimeout(this.resubscribeTimer);
    this.resubscribeTimer = null;
    this.subscription?.close();
    this.subscription = null;
    this.kill();
  }

  stayAwake(ms: number): void {
    this.feed?.wake(this.now(), ms);
  }

  stats(): FrameSourceStats {
    const feed = this.feed?.stats();
    return {
      cameraId: this.o.cameraId,
      stream: this.stream,
      running: this.proc !== null,
      pid: this.proc?.pid,
      size: this.size,
      ...this.counters,
      decoding: feed?.mode ?? 'every-frame',
      stillKeyframes: this.earlier.stillKeyframes + (feed?.stillKeyframes ?? 0),
      stillFragments: this.earlier.stillFragments + (feed?.stillFragments ?? 0),
      wakes: this.earlier.wakes + (feed?.wakes ?? 0),
    };
  }

  // ---------------------------------------------------------------- LiveViewer

  backlog(): number {
    return this.proc?.stdin?.writableLength ?? 0;
  }

  init(description: StreamDescription, init: Buffer): void {
    if (this.closed) return;
    this.runInit = init;
    try {
      this.runInfo = parseInit(init);
    } catch {
      this.runInfo = null; // frames are then stamped with their arrival time
    }
    const width = description.width ?? this.runInfo?.video?.width ?? 0;
    const height = description.height ?? this.runInfo?.video?.height ?? 0;
    if (width > 0 && height > 0) {
      this.size = decodeSize(width, height, this.o.maxSide);
    } else {
      this.log.warn(`camera ${this.o.cameraId}: the ${this.stream} stream does not say its picture size; decoding at ${FALLBACK_SIZE.width}x${FALLBACK_SIZE.height}`);
      this.size = decodeSize(FALLBACK_SIZE.width, FALLBACK_SIZE.height, this.o.maxSide);
    }
    this.restartAtKeyframe = false;
    this.skipToKeyframe = false;
    this.launch();
    this.write(init);
    this.notifyRestart('new-run');
  }

  fragment(bytes: Buffer, keyframe: boolean): void {
    if (this.closed || !this.runInit) return;
    if (this.restartAtKeyframe) {
      if (!keyframe || this.now() < this.restartNotBefore) return;
      this.restartAtKeyframe = false;
      this.launch();
      this.write(this.runInit);
      this.notifyRestart('decoder-restart');
    }
    if (!this.proc) return;
    if (this.skipToKeyframe || this.backlog() > (this.o.maxQueuedBytes ?? DEFAULT_MAX_QUEUED)) {
      if (!keyframe || this.backlog() > (this.o.maxQueuedBytes ?? DEFAULT_MAX_QUEUED) / 2) {
        this.skipToKeyframe = true;
        this.counters.skippedFragments++;
        this.feed?.lost();
        return;
      }
      this.skipToKeyframe = false;
    }
    const now = this.now();
    let fed;
    try {
      fed = this.feed!.push(bytes, keyframe, now);
    } catch (err) {
      // A timeline the feed cannot continue (a stream whose times jump back): a new decoder, fresh, at the next keyframe.
      this.log.warn(`camera ${this.o.cameraId}: detection feed: ${(err as Error).message}; restarting the decoder at the next keyframe`);
      this.kill();
      this.restartAtKeyframe = true;
      this.restartNotBefore = now;
      return;
    }
    if (fed.mediaEndMs !== null) this.clock.fragment(now, fed.mediaEndMs);
    for (const b of fed.out) this.write(b);
  }

  offline(): void {
    if (this.closed) return;
    this.runInit = null;
    this.restartAtKeyframe = false;
    // Let ffmpeg hand over what it has decoded, then make sure it is gone.
    const proc = this.proc;
    if (proc) {
      this.ending = proc;
      proc.stdin?.end();
      setTimeout(() => {
        if (this.proc === proc) this.proc = null;
        proc.kill('SIGKILL');
      }, 2000).unref();
    }
    this.o.onOffline?.();
  }

  drop(reason: DropReason, message: string): void {
    this.subscription = null;
    this.kill();
    if (this.closed) return;
    if (reason === 'gone' || reason === 'shutdown') {
      this.closed = true;
      this.log.info(`camera ${this.o.cameraId}: detection frames stopped (${message})`);
      this.o.onEnd?.(reason);
      return;
    }
    // Too slow for too long (or an error): start over shortly.
    this.log.warn(`camera ${this.o.cameraId}: detection decoder dropped by the live feed (${reason}: ${message}); rejoining`);
    this.resubscribeTimer = setTimeout(() => {
      this.resubscribeTimer = null;
      if (!this.closed && !this.start()) {
        this.closed = true;
        this.o.onEnd?.('gone');
      }
    }, 1000);
    this.resubscribeTimer.unref?.();
  }

  // ---------------------------------------------------------------- the decoder

  private launch(): void {
    this.kill();
    const size = this.size!;
    const ffmpeg = typeof this.o.ffmpegPath === 'function' ? this.o.ffmpegPath() : this.o.ffmpegPath;
    const proc = this.runner.spawn(ffmpeg, frameDecoderArgs({ fps: this.o.fps, size, format: FORMAT }));
    this.proc = proc;
    this.counters.decoderStarts++;
    this.clock.restart();
    const before = this.feed?.stats();
    if (before) for (const k of ['stillKeyframes', 'stillFragments', 'wakes'] as const) this.earlier[k] += before[k];
    this.feed = new DecoderFeed(this.runInfo, { fps: this.o.fps, keyframesWhenStill: this.o.keyframesWhenStill ?? false, warmupMs: this.o.stillWarmupMs }, this.now());
    this.frameIndex = 0;
    this.lastMediaMs = -Infinity;
    this.filled = 0;
    this.pending = newFrameBuffer(frameBytes(size.width, size.height, FORMAT));
    this.spare = null;
    this.stderrTail = '';
    proc.stdout?.on('data', (chunk: Buffer) => {
      if (this.proc === proc) this.onOutput(chunk, size);
    });
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-1000);
    });
    // EPIPE when ffmpeg exits while we write: handled by its exit.
    proc.stdin?.on('error', () => undefined);
    proc.on('error', (err) => {
      const message = `cannot start the detection decoder: ${err.message}`;
      this.log.error(`camera ${this.o.cameraId}: ${message}`);
      this.crashed(proc);
      try {
        this.o.onError?.(message);
      } catch {
        // the consumer's problem; the source carries on
      }
    });
    proc.on('close', (code, signal) => {
      if (this.proc !== proc) return; // replaced or stopped on purpose
      if (this.ending === proc) {
        this.proc = null; // finished what it had after the camera went offline
        return;
      }
      const last = this.stderrTail.trim().split('\n').pop() ?? '';
      this.log.warn(`camera ${this.o.cameraId}: detection decoder exited (${signal ?? code}) ${last}`);
      this.crashed(proc);
    });
    this.log.debug(`camera ${this.o.cameraId}: detection decoder started (pid ${proc.pid}, ${size.width}x${size.height} at ${this.o.fps} fps)`);
  }

  private onOutput(chunk: Buffer, size: DecodeSize): void {
    let offset = 0;
    while (offset < chunk.length) {
      const pending = this.pending!;
      const n = Math.min(pending.length - this.filled, chunk.length - offset);
      pending.set(chunk.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
      if (this.filled < pending.length) break;
      this.filled = 0;
      this.completeFrame(pending, size);
    }
  }

  private completeFrame(data: Uint8Array, size: DecodeSize): void {
    const index = this.frameIndex++;
    this.counters.decoded++;
    if (this.crashesInARow > 0 && this.counters.decoded % 50 === 0) this.crashesInARow = 0; // it works again
    const mediaMs = this.feed?.frameMediaTime(index) ?? null;
    // A frame standing for a moment already delivered: a still keyframe's push-out frames, a catch-up's first (decoder-feed.ts).
    if (mediaMs !== null && mediaMs <= this.lastMediaMs) return;
    if (this.busy) {
      this.counters.droppedBusy++;
      return; // `pending` is reused for the next frame
    }
    const now = this.now();
    // Strictly increasing, whatever the clock estimate does across restarts.
    const at = Math.max(this.clock.frameTime(mediaMs, now), this.lastAt + 1);
    this.lastAt = at;
    if (mediaMs !== null) this.lastMediaMs = mediaMs;
    // While this frame is with the consumer, the other buffer fills; a frame that completes while the
    // consumer is still busy is dropped above, so `data` is never overwritten before the consumer is done.
    this.pending = this.spare ?? newFrameBuffer(data.length);
    this.spare = data;
    this.counters.delivered++;
    let result: void | Promise<unknown>;
    try {
      result = this.o.onFrame({ width: size.width, height: size.height, data, format: FORMAT, at });
    } catch (err) {
      this.log.warn(`camera ${this.o.cameraId}: detection frame handler failed: ${(err as Error).message}`);
      return;
    }
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      this.busy = true;
      (result as Promise<unknown>).then(
        () => (this.busy = false),
        (err: unknown) => {
          this.busy = false;
          this.log.warn(`camera ${this.o.cameraId}: detection frame handler failed: ${(err as Error)?.message ?? err}`);
        },
      );
    }
  }

  private crashed(proc: ChildProcess): void {
    if (this.proc !== proc) return;
    this.proc = null;
    proc.kill('SIGKILL');
    this.counters.decoderCrashes++;
    this.crashesInARow++;
    this.restartNotBefore = this.now() + Math.min(30_000, 500 * 2 ** this.crashesInARow);
    if (!this.closed && this.runInit) this.restartAtKeyframe = true;
  }

  private notifyRestart(reason: FrameSourceRestart): void {
    try {
      this.o.onRestart?.(reason);
    } catch (err) {
      this.log.warn(`camera ${this.o.cameraId}: detection restart handler failed: ${(err as Error).message}`);
    }
  }

  private write(bytes: Buffer): void {
    writeStdin(this.proc, bytes);
  }

  private kill(): void {
    const proc = this.proc;
    this.proc = null;
    killFed(proc);
  }
}
