/**
 * Keeps one stream of one camera running, forever: spawns ffmpeg through the
 * injected runner with input arguments from the injected opener, watches for
 * stalls, and reconnects with capped, jittered backoff whenever the stream
 * ends or stalls. What happens to the media is the pipeline's business:
 * SegmentPipeline records (main stream), LivePipeline only feeds live view
 * (sub stream).
 *
 * Isolation: a recorder is bound to one (camera id, stream kind) for life. It
 * re-reads its camera and stream from the store by that key before every
 * connection, owns its process and pipeline, and shares no cache with any
 * other recorder, so a reconnect storm cannot cross-wire footage.
 */
import type { ChildProcess } from 'node:child_process';
import type { Clock, TimerHandle } from '../clock.ts';
import type { Logger } from '../log.ts';
import { redact } from '../redact.ts';
import { friendlyCodec, type InitInfo } from '../mp4/init.ts';
import type { Store, StreamKind, SegmentRow } from '../storage/store.ts';
import type { CameraOpener } from '../ingest/opener.ts';
import type { ProcessRunner } from '../ingest/process-runner.ts';
import { parseInputAudioCodec, TailBuffer } from '../ingest/stderr-info.ts';
import { progressSeconds } from '../ingest/ffmpeg-args.ts';
import { backoffDelay, type BackoffOptions } from './backoff.ts';
import type { LiveSink, MediaPipeline, RunContext } from './pipeline.ts';
import { SegmentPipeline } from './segment-pipeline.ts';
import { LivePipeline } from './live-pipeline.ts';
import { Heartbeat, slowBeatMs, type Beating } from './heartbeat.ts';

export type { LiveSink } from './pipeline.ts';

export type RecorderState = 'connecting' | 'recording' | 'offline' | 'disabled';

export interface RecorderStatus {
  state: RecorderState;
  since: number;
  lastError: string | null;
  retryAt: number | null;
}

export interface RecorderOptions {
  /** Target segment length; a segment is cut at the first keyframe after it (applies from the next connection). */
  segmentMs: number;
  /** Fragment length of recorded streams: bounds what a crash loses and the main stream's live latency. */
  fragmentMs: number;
  /**
   * Fragment length of live-only streams (the sub stream): nothing is written
   * to disk, so it is as short as the player can use — each fragment waits
   * this long for its frames before it is sent, which adds straight to the
   * live latency.
   */
  liveFragmentMs: number;
  /** No progress for this long on a connected stream: kill and reconnect. */
  stallMs: number;
  /** Open the camera with ffmpeg's quick probe (ingest/opener.ts `OpenOptions`): express connections only. */
  quickProbe: boolean;
  /**
   * A live-only stream known to be H.264 leaves ffmpeg as FLV, each frame the
   * moment it arrives (ffmpeg-args.ts `LiveArgsOptions`): express connections
   * only, whose fragments are one frame each. The sub stream's 75 ms
   * fragments keep the grid's appends few.
   */
  frameAtOnce: boolean;
  /** No first data for this long after spawning: give up this attempt. */
  connectTimeoutMs: number;
  /** A run that lasted this long resets the backoff. */
  healthyRunMs: number;
  backoff: BackoffOptions;
}

export const DEFAULT_RECORDER_OPTIONS: RecorderOptions = {
  segmentMs: 60_000,
  fragmentMs: 250,
  liveFragmentMs: 75,
  stallMs: 10_000,
  quickProbe: false,
  frameAtOnce: false,
  connectTimeoutMs: 20_000,
  healthyRunMs: 30_000,
  backoff: { baseMs: 1000, capMs: 8000 },
};

export interface RecorderDeps {
  store: Store;
  clock: Clock;
  runner: ProcessRunner;
  ffmpegPath: string;
  opener: CameraOpener;
  log: Logger;
  live?: LiveSink;
  random?: () => number;
  onSegment?(segment: SegmentRow): void;
  onStatus?(cameraId: number, kind: StreamKind, status: RecorderStatus): void;
  /** The supervisor's one timer for all its recorders; a recorder made alone gets its own. */
  heartbeat?: Heartbeat;
}

interface Run {
  proc: ChildProcess;
  pipeline: MediaPipeline;
  runId: number | null;
  tail: TailBuffer;
  secrets: string[];
  startedAt: number;
  lastDataAt: number | null;
  killReason: string | null;
  exited: Promise<void>;
}

export class StreamRecorder {
  private run: Run | null = null;
  private retryTimer: TimerHandle | null = null;
  private readonly heartbeat: Heartbeat;
  /** This recorder as a member of the heartbeat. */
  private readonly beating: Beating = { beat: () => this.tick(), fast: () => this.run?.pipeline.busy() ?? false };
  /** A connection attempt between its start and ffmpeg's spawn (the run folder is being prepared). */
  private connecting: Promise<void> | null = null;
  private attempt = 0;
  private stopped = true;
  private learnedAudioCodec: string | null = null;
  private current: RecorderStatus;

  constructor(
    readonly cameraId: number,
    readonly kind: StreamKind,
    /** false for live-only streams (the sub stream). */
    readonly record: boolean,
    private readonly deps: RecorderDeps,
    private readonly options: RecorderOptions = DEFAULT_RECORDER_OPTIONS,
  ) {
    this.current = { state: 'connecting', since: deps.clock.now(), lastError: null, retryAt: null };
    this.heartbeat = deps.heartbeat ?? new Heartbeat(deps.clock, slowBeatMs(this.options.stallMs));
  }

  get status(): RecorderStatus {
    return { ...this.current };
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.setStatus({ state: 'connecting', since: this.deps.clock.now(), lastError: this.current.lastError, retryAt: null });
    this.heartbeat.add(this.beating);
    this.connect();
  }

  /** Stops; ffmpeg finishes its open segment (SIGTERM), which is indexed before this resolves. */
  async stop(state: RecorderState = 'disabled'): Promise<void> {
    const { clock } = this.deps;
    this.stopped = true;
    clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.heartbeat.remove(this.beating);
    await this.connecting;
    const run = this.run;
    if (run) {
      run.killReason = 'stopped';
      run.proc.kill('SIGTERM');
      const killer = clock.setTimeout(() => run.proc.kill('SIGKILL'), 3000);
      await run.exited;
      clock.clearTimeout(killer);
    }
    this.setStatus({ state, since: clock.now(), lastError: this.current.lastError, retryAt: null });
  }

  // ------------------------------------------------------------------ connection

  private connect(): void {
    this.connecting = this.tryConnect()
      .catch((err) => {
        if (!this.stopped) this.fail(redact((err as Error).message));
      })
      .finally(() => (this.connecting = null));
  }

  private async tryConnect(): Promise<void> {
    if (this.stopped) return;
    const { store, log } = this.deps;
    const camera = store.getCamera(this.cameraId);
    const stream = store.listStreams(this.cameraId).find((s) => s.kind === this.kind);
    if (!camera || !stream || stream.cameraId !== this.cameraId) {
      this.setStatus({ state: 'disabled', since: this.deps.clock.now(), lastError: 'camera or stream no longer exists', retryAt: null });
      return;
    }
    let source;
    try {
      source = this.deps.opener.open(camera, stream, { quickProbe: this.options.quickProbe });
    } catch (err) {
      this.fail(redact((err as Error).message));
      return;
    }

    let run: Run | null = null;
    const ctx: RunContext = {
      cameraId: this.cameraId,
      kind: this.kind,
      streamId: stream.id,
      alive: () => run && this.onAlive(run),
      fatal: (reason) => run && this.kill(run, reason),
      streamInfo: (info) => this.onStreamInfo(stream.id, info),
    };
    const runId = this.record ? store.startRun(stream.id) : null;
    const pipeline: MediaPipeline = this.record
      ? new SegmentPipeline(ctx, runId!, { store, clock: this.deps.clock, log, live: this.deps.live, onSegment: this.deps.onSegment }, {
          segmentSeconds: Math.max(1, Math.round(this.options.segmentMs / 1000)),
          fragmentMs: this.options.fragmentMs,
          audioCodec: this.learnedAudioCodec ?? stream.audioCodec,
          progressSeconds: progressSeconds(this.options.stallMs),
        })
      : new LivePipeline(ctx, this.options.liveFragmentMs, this.deps.live, this.options.frameAtOnce && stream.codec === 'h264' ? 'flv' : 'mp4');
    try {
      await pipeline.prepare();
    } catch (err) {
      if (runId !== null) store.deleteRunIfEmpty(runId);
      throw new Error(`could not prepare the recording folder: ${(err as Error).message}`);
    }
    if (this.stopped) {
      if (runId !== null) store.deleteRunIfEmpty(runId);
      return;
    }

    const proc = this.deps.runner.spawn(this.deps.ffmpegPath, pipeline.args(source), { extraPipes: pipeline.extraPipes, stdin: source.stdin });
    let resolveExit!: () => void;
    run = {
      proc,
      pipeline,
      runId,
      tail: new TailBuffer(),
      secrets: source.secrets,
      startedAt: this.deps.clock.now(),
      lastDataAt: null,
      killReason: null,
      exited: new Promise<void>((r) => (resolveExit = r)),
    };
    const thisRun = run;
    this.run = run;
    log.debug(`camera ${this.cameraId} ${this.kind}: connecting (attempt ${this.attempt + 1})`);

    let inInput = false;
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (chunk: string) =>
      thisRun.tail.push(chunk, (line) => {
        if (line.startsWith('Input #')) inInput = true;
        else if (line.startsWith('Output #')) inInput = false;
        const audio = inInput ? parseInputAudioCodec(line) : null;
        if (audio) this.learnedAudioCodec = audio;
      }),
    );
    pipeline.attach(proc);
    let finished = false;
    const onGone = (code: number | null, signal: NodeJS.Signals | null, error?: Error) => {
      if (finished) return;
      finished = true;
      void this.onExit(thisRun, code, signal, error).finally(resolveExit);
    };
    proc.on('error', (err) => onGone(null, null, err));
    proc.on('close', (code, signal) => onGone(code, signal));
  }

  private kill(run: Run, reason: string): void {
    if (run.killReason) return;
    run.killReason = reason;
    run.proc.kill('SIGKILL');
  }

  /**
   * Someone started watching: read what is there now and beat fast from now
   * on (every 100 ms while a live viewer reads the stream, else once a
   * second: ./heartbeat.ts), instead of waiting up to a second for the next
   * slow beat (time to the first live frame).
   */
  wake(): void {
    if (this.stopped || !this.run) return;
    this.tick();
    this.heartbeat.quicken();
  }

  private tick(): void {
    const run = this.run;
    if (!run || run.killReason) return;
    run.pipeline.tick();
    const now = this.deps.clock.now();
    if (run.lastDataAt === null) {
      if (now - run.startedAt > this.options.connectTimeoutMs) {
        this.kill(run, `no video from the camera within ${Math.round(this.options.connectTimeoutMs / 1000)} s`);
      }
    } else if (now - run.lastDataAt > this.options.stallMs) {
      this.kill(run, `stream stalled: no data for ${Math.round((now - run.lastDataAt) / 1000)} s`);
    }
  }

  private onAlive(run: Run): void {
    if (run.killReason) return;
    const now = this.deps.clock.now();
    run.lastDataAt = now;
    if (this.current.state !== 'recording') {
      this.setStatus({ state: 'recording', since: now, lastError: this.current.lastError, retryAt: null });
    }
  }

  private onStreamInfo(streamId: number, info: InitInfo): void {
    if (!info.video) return;
    this.deps.store.updateStreamInfo(streamId, {
      codec: friendlyCodec(info.video.fourcc),
      width: info.video.width,
      height: info.video.height,
      audioCodec: this.learnedAudioCodec,
    });
  }

  private async onExit(run: Run, code: number | null, signal: NodeJS.Signals | null, error?: Error): Promise<void> {
    if (this.run === run) this.run = null;
    try {
      await run.pipeline.finish();
    } catch (err) {
      this.deps.log.error(`camera ${this.cameraId}: could not finish the run: ${(err as Error).message}`);
    }
    const reason = redact(
      error
        ? `could not start ffmpeg: ${error.message}`
        : (run.killReason ?? run.tail.lastError() ?? (code === 0 ? 'the stream ended' : `ffmpeg exited (${signal ?? code})`)),
      run.secrets,
    );
    if (run.runId !== null) {
      this.deps.store.endRun(run.runId, reason);
      this.deps.store.deleteRunIfEmpty(run.runId);
    }
    const ranMs = run.lastDataAt !== null ? run.lastDataAt - run.startedAt : 0;
    if (ranMs >= this.options.healthyRunMs) this.attempt = 0;
    if (this.stopped) return;
    this.deps.log.warn(`camera ${this.cameraId} ${this.kind}: ${reason}`);
    this.fail(reason, run.lastDataAt);
  }

  /** Marks the stream offline and schedules the next attempt. */
  private fail(reason: string, lastDataAt: number | null = null): void {
    const now = this.deps.clock.now();
    const delay = backoffDelay(this.attempt++, this.options.backoff, this.deps.random);
    const since = this.current.state === 'offline' ? this.current.since : (lastDataAt ?? now);
    this.setStatus({ state: 'offline', since, lastError: reason, retryAt: now + delay });
    this.retryTimer = this.deps.clock.setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }

  private setStatus(status: RecorderStatus): void {
    this.current = status;
    this.deps.onStatus?.(this.cameraId, this.kind, { ...status });
  }
}
