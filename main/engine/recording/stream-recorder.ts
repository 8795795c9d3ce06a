/**
 * Records one stream of one camera, forever: spawns ffmpeg, splits its
 * fragmented-MP4 output into segment files, indexes each finished segment at
 * once, hands every fragment to the live fan-out, and reconnects with capped,
 * jittered backoff whenever the stream ends or stalls.
 *
 * Isolation: a recorder is bound to one (camera id, stream kind) for life. It
 * re-reads its camera and stream from the store by that key before every
 * connection, owns its process, parser and open segment, and shares no cache
 * with any other recorder, so a reconnect storm cannot cross-wire footage.
 */
import type { ChildProcess } from 'node:child_process';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import { redact } from '../redact.ts';
import { Mp4StreamReader, type Fragment } from '../mp4/stream-reader.ts';
import { friendlyCodec, withDurations, type InitInfo } from '../mp4/init.ts';
import { rebaseMoof, videoRun } from '../mp4/fragment.ts';
import type { Store, StreamKind, SegmentRow } from '../storage/store.ts';
import { SegmentFile } from '../storage/segment-file.ts';
import type { CameraOpener } from '../ingest/opener.ts';
import type { ProcessRunner } from '../ingest/process-runner.ts';
import { ingestArgs } from '../ingest/ffmpeg-args.ts';
import { parseInputAudioCodec, TailBuffer } from '../ingest/stderr-info.ts';
import { backoffDelay, type BackoffOptions } from './backoff.ts';

export type RecorderState = 'connecting' | 'recording' | 'offline' | 'disabled';

export interface RecorderStatus {
  state: RecorderState;
  since: number;
  lastError: string | null;
  retryAt: number | null;
}

/** Where live fragments go (the live fan-out); recording never waits for it. */
export interface LiveSink {
  onInit(cameraId: number, kind: StreamKind, init: Buffer, info: InitInfo): void;
  onFragment(cameraId: number, kind: StreamKind, fragment: Fragment): void;
  onEnd(cameraId: number, kind: StreamKind): void;
}

export interface RecorderOptions {
  /** Target segment length; a segment is cut at the first keyframe after it. */
  segmentMs: number;
  /** ffmpeg fragment length: bounds live latency and what a crash loses. */
  fragmentMs: number;
  /** No new data for this long on a connected stream: kill and reconnect. */
  stallMs: number;
  /** No first data for this long after spawning: give up this attempt. */
  connectTimeoutMs: number;
  /** A run that lasted this long resets the backoff. */
  healthyRunMs: number;
  backoff: BackoffOptions;
}

export const DEFAULT_RECORDER_OPTIONS: RecorderOptions = {
  segmentMs: 60_000,
  fragmentMs: 250,
  stallMs: 10_000,
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
}

interface OpenSegment {
  file: SegmentFile;
  seq: number;
  /** Video decode time (track timescale) of the segment's first fragment. */
  videoBase: number;
  baseByTrack: Map<number, number>;
  durationByTrack: Map<number, number>;
  /** Smallest (arrival wall time - media time) seen in this segment. */
  minOffset: number;
}

interface Run {
  proc: ChildProcess;
  reader: Mp4StreamReader;
  tail: TailBuffer;
  secrets: string[];
  streamId: number;
  startedAt: number;
  lastDataAt: number | null;
  runId: number | null;
  init: Buffer | null;
  info: InitInfo | null;
  tfdt0: number | null;
  /** Wall-clock time (UTC ms) of media time 0 of this run. */
  anchor: number | null;
  seq: number;
  segment: OpenSegment | null;
  lastEnd: number | null;
  killReason: string | null;
  exited: Promise<void>;
}

export class StreamRecorder {
  private run: Run | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private attempt = 0;
  private stopped = true;
  private learnedAudioCodec: string | null = null;
  private current: RecorderStatus;

  constructor(
    readonly cameraId: number,
    readonly kind: StreamKind,
    /** false for live-only streams (the sub stream): fragments go to live view only. */
    readonly record: boolean,
    private readonly deps: RecorderDeps,
    private readonly options: RecorderOptions = DEFAULT_RECORDER_OPTIONS,
  ) {
    this.current = { state: 'connecting', since: deps.clock.now(), lastError: null, retryAt: null };
  }

  get status(): RecorderStatus {
    return { ...this.current };
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.setStatus({ state: 'connecting', since: this.deps.clock.now(), lastError: this.current.lastError, retryAt: null });
    this.watchdog = setInterval(() => this.checkStall(), 500);
    this.connect();
  }

  /** Stops recording; the open segment is finished and indexed first. */
  async stop(state: RecorderState = 'disabled'): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.watchdog) clearInterval(this.watchdog);
    this.retryTimer = this.watchdog = null;
    const run = this.run;
    if (run) {
      run.killReason = 'stopped';
      run.proc.kill('SIGTERM');
      const killer = setTimeout(() => run.proc.kill('SIGKILL'), 3000);
      await run.exited;
      clearTimeout(killer);
    }
    this.setStatus({ state, since: this.deps.clock.now(), lastError: this.current.lastError, retryAt: null });
  }

  // ------------------------------------------------------------------ connection

  private connect(): void {
    if (this.stopped) return;
    const { store, log } = this.deps;
    const camera = store.getCamera(this.cameraId);
    const stream = store.listStreams(this.cameraId).find((s) => s.kind === this.kind);
    if (!camera || !stream || stream.cameraId !== this.cameraId) {
      this.setStatus({ state: 'disabled', since: this.deps.clock.now(), lastError: 'camera or stream no longer exists', retryAt: null });
      return;
    }
    let args: string[];
    let secrets: string[];
    try {
      const source = this.deps.opener.open(camera, stream);
      secrets = source.secrets;
      args = ingestArgs(source, {
        fragmentMs: this.options.fragmentMs,
        audioCodec: this.learnedAudioCodec ?? stream.audioCodec,
        noAudio: !this.record,
      });
    } catch (err) {
      this.fail(redact((err as Error).message));
      return;
    }

    const proc = this.deps.runner.spawn(this.deps.ffmpegPath, args);
    let resolveExit!: () => void;
    const run: Run = {
      proc,
      reader: null as unknown as Mp4StreamReader,
      tail: new TailBuffer(),
      secrets,
      streamId: stream.id,
      startedAt: this.deps.clock.now(),
      lastDataAt: null,
      runId: null,
      init: null,
      info: null,
      tfdt0: null,
      anchor: null,
      seq: 0,
      segment: null,
      lastEnd: store.lastEndOfStream(stream.id),
      killReason: null,
      exited: new Promise<void>((r) => (resolveExit = r)),
    };
    run.reader = new Mp4StreamReader({
      onInit: (init, info) => this.onInit(run, init, info),
      onFragment: (fragment) => this.onFragment(run, fragment),
    });
    this.run = run;
    log.debug(`camera ${this.cameraId} ${this.kind}: connecting (attempt ${this.attempt + 1})`);

    let inInput = false;
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (chunk: string) =>
      run.tail.push(chunk, (line) => {
        if (line.startsWith('Input #')) inInput = true;
        else if (line.startsWith('Output #')) inInput = false;
        const audio = inInput ? parseInputAudioCodec(line) : null;
        if (audio) this.learnedAudioCodec = audio;
      }),
    );
    proc.stdout?.on('data', (chunk: Buffer) => {
      if (run.killReason) return;
      try {
        run.reader.push(chunk);
      } catch (err) {
        this.kill(run, `unreadable stream from ffmpeg: ${(err as Error).message}`);
      }
    });
    let finished = false;
    const onGone = (code: number | null, signal: NodeJS.Signals | null, error?: Error) => {
      if (finished) return;
      finished = true;
      this.onExit(run, code, signal, error);
      resolveExit();
    };
    proc.on('error', (err) => onGone(null, null, err));
    proc.on('close', (code, signal) => onGone(code, signal));
  }

  private kill(run: Run, reason: string): void {
    if (run.killReason) return;
    run.killReason = reason;
    run.proc.kill('SIGKILL');
  }

  private checkStall(): void {
    const run = this.run;
    if (!run || run.killReason) return;
    const now = this.deps.clock.now();
    if (run.lastDataAt === null) {
      if (now - run.startedAt > this.options.connectTimeoutMs) {
        this.kill(run, `no video from the camera within ${Math.round(this.options.connectTimeoutMs / 1000)} s`);
      }
    } else if (now - run.lastDataAt > this.options.stallMs) {
      this.kill(run, `stream stalled: no data for ${Math.round((now - run.lastDataAt) / 1000)} s`);
    }
  }

  private onExit(run: Run, code: number | null, signal: NodeJS.Signals | null, error?: Error): void {
    if (this.run === run) this.run = null;
    try {
      this.closeSegment(run);
    } catch (err) {
      this.deps.log.error(`camera ${this.cameraId}: could not finish segment: ${(err as Error).message}`);
    }
    const reason = redact(
      error ? `could not start ffmpeg: ${error.message}` :
      run.killReason ?? run.tail.lastError() ?? (code === 0 ? 'the stream ended' : `ffmpeg exited (${signal ?? code})`),
      run.secrets,
    );
    if (run.runId !== null) this.deps.store.endRun(run.runId, reason);
    if (run.info) this.deps.live?.onEnd(this.cameraId, this.kind);
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
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }

  // ------------------------------------------------------------------ media

  private onInit(run: Run, init: Buffer, info: InitInfo): void {
    if (!info.video) {
      this.kill(run, 'the stream has no video track');
      return;
    }
    run.init = init;
    run.info = info;
    const { store } = this.deps;
    store.updateStreamInfo(run.streamId, {
      codec: friendlyCodec(info.video.fourcc),
      width: info.video.width,
      height: info.video.height,
      audioCodec: this.learnedAudioCodec,
    });
    if (this.record) run.runId = store.startRun(run.streamId);
    this.deps.live?.onInit(this.cameraId, this.kind, init, info);
  }

  private onFragment(run: Run, fragment: Fragment): void {
    const info = run.info;
    if (!info?.video || run.killReason) return;
    const now = this.deps.clock.now();
    run.lastDataAt = now;
    if (this.current.state !== 'recording') {
      this.setStatus({ state: 'recording', since: now, lastError: this.current.lastError, retryAt: null });
    }
    this.deps.live?.onFragment(this.cameraId, this.kind, fragment);
    if (!this.record) return;

    const video = videoRun(fragment.info, info);
    const ts = info.video.timescale;
    if (video) {
      if (run.tfdt0 === null) run.tfdt0 = video.baseDecodeTime;
      const offset = now - ((video.baseDecodeTime - run.tfdt0) * 1000) / ts;
      run.anchor = run.anchor === null ? offset : Math.min(run.anchor, offset);
      if (run.segment) run.segment.minOffset = Math.min(run.segment.minOffset, offset);
    }
    const seg = run.segment;
    const segVideoMs = seg ? ((seg.durationByTrack.get(info.video.trackId) ?? 0) * 1000) / ts : 0;
    if (!seg || (video?.startsWithSync && segVideoMs >= this.options.segmentMs)) {
      if (!video?.startsWithSync) return; // a segment must start on a keyframe
      this.closeSegment(run);
      this.openSegment(run, video.baseDecodeTime, now);
    }
    const open = run.segment!;
    for (const r of fragment.info.runs) {
      open.durationByTrack.set(r.trackId, (open.durationByTrack.get(r.trackId) ?? 0) + r.duration);
    }
    const moof = rebaseMoof(fragment.bytes.subarray(0, fragment.moofLength), fragment.info, open.baseByTrack);
    try {
      open.file.append(moof, now);
      open.file.append(fragment.bytes.subarray(fragment.moofLength), now);
    } catch (err) {
      // Disk full or the folder vanished: end this run; retention makes room and we reconnect.
      this.kill(run, `cannot write recording: ${(err as Error).message}`);
    }
  }

  private openSegment(run: Run, videoBase: number, now: number): void {
    const info = run.info!;
    const video = info.video!;
    const seconds = videoBase / video.timescale;
    const baseByTrack = new Map(info.tracks.map((t) => [t.trackId, t.trackId === video.trackId ? videoBase : Math.floor(seconds * t.timescale)]));
    const mediaStart = ((videoBase - (run.tfdt0 ?? videoBase)) * 1000) / video.timescale;
    const estimatedStart = Math.round((run.anchor ?? now) + mediaStart);
    run.seq += 1;
    const rel = this.deps.store.newSegmentFile(this.cameraId, run.runId!, run.seq, estimatedStart);
    const file = new SegmentFile(this.deps.store, rel);
    file.append(run.init!, now);
    run.segment = { file, seq: run.seq, videoBase, baseByTrack, durationByTrack: new Map(), minOffset: Infinity };
  }

  /** Finishes the open segment: real durations into its header, fsync, then the index row. */
  private closeSegment(run: Run): void {
    const seg = run.segment;
    if (!seg || !run.info?.video || run.runId === null) return;
    run.segment = null;
    const video = run.info.video;
    const now = this.deps.clock.now();
    const durationMs = Math.round(((seg.durationByTrack.get(video.trackId) ?? 0) * 1000) / video.timescale);
    if (durationMs <= 0) {
      seg.file.close();
      this.deps.store.discardFile(seg.file.rel); // no frame made it in: nothing to keep
      return;
    }
    seg.file.patch(0, withDurations(run.init!, run.info, seg.durationByTrack));
    seg.file.finish();

    // Wall-clock placement: media time mapped through the run's anchor. If the
    // camera's clock runs slow (or ffmpeg fell behind), move the anchor forward
    // rather than let the index drift into the past.
    let anchor = run.anchor ?? now - durationMs;
    if (seg.minOffset !== Infinity && seg.minOffset - anchor > 1000) run.anchor = anchor = seg.minOffset;
    const mediaStart = ((seg.videoBase - (run.tfdt0 ?? seg.videoBase)) * 1000) / video.timescale;
    let start = Math.round(anchor + mediaStart);
    if (run.lastEnd !== null && start < run.lastEnd) start = run.lastEnd; // never overlap the previous segment
    const end = Math.max(start, Math.min(start + durationMs, Math.max(now, start)));
    const row = {
      cameraId: this.cameraId,
      streamId: run.streamId,
      runId: run.runId,
      seq: seg.seq,
      start,
      end,
      bytes: seg.file.bytes,
      codec: friendlyCodec(video.fourcc),
      width: video.width,
      height: video.height,
      file: seg.file.rel,
      recovered: false,
    };
    const id = this.deps.store.insertSegment(row);
    this.deps.store.noteSegmentLength(end - start);
    run.lastEnd = end;
    this.deps.onSegment?.({ id, ...row });
  }

  private setStatus(status: RecorderStatus): void {
    this.current = status;
    this.deps.onStatus?.(this.cameraId, this.kind, { ...status });
  }
}
