/**
 * A recorded stream: ffmpeg writes fragmented-MP4 segment files itself; the
 * engine learns of each finished segment on pipe:3, fixes its header
 * durations, fsyncs it and only then indexes it. Progress on pipe:1 is the
 * heartbeat and the clock anchor. A segment cut short by a kill is recovered
 * like after a crash. Live viewers read the file being written (LiveTap).
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import { segmentArgs, patternSafe } from '../ingest/ffmpeg-args.ts';
import { ProgressParser, parseSegmentListLine } from '../ingest/progress.ts';
import type { OpenedSource } from '../ingest/opener.ts';
import { child } from '../mp4/boxes.ts';
import { friendlyCodec, parseInit, withDurations, type InitInfo } from '../mp4/init.ts';
import { parseSegmentFileName, type Store, type SegmentRow } from '../storage/store.ts';
import { SegmentFile } from '../storage/segment-file.ts';
import { recoverSegmentFile } from '../storage/reconcile.ts';
import { LiveTap } from './live-tap.ts';
import type { LiveSink, MediaPipeline, RunContext } from './pipeline.ts';

export interface SegmentPipelineDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  live?: LiveSink;
  onSegment?(segment: SegmentRow): void;
}

export interface SegmentPipelineOptions {
  segmentSeconds: number;
  fragmentMs: number;
  audioCodec: string | null;
}

/** Reads the init segment at the start of a segment file (ftyp + moov). */
function readInit(path: string): { buf: Buffer; info: InitInfo } | null {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(Math.min(256 * 1024, statSync(path).size));
    readSync(fd, buf, 0, buf.length, 0);
    const moov = child(buf, undefined, 'moov');
    if (!moov) return null;
    const init = buf.subarray(0, moov.start + moov.size);
    return { buf: init, info: parseInit(init) };
  } finally {
    closeSync(fd);
  }
}

export class SegmentPipeline implements MediaPipeline {
  readonly extraPipes = 1;
  readonly dir: string;
  private readonly dirRel: string;
  /** Wall-clock time (UTC ms) of media time 0 of this run: min over progress reports of (arrival − media time). */
  private anchor: number | null = null;
  private lastSeq = 0;
  private lastEnd: number | null;
  private indexed = 0;
  private infoKnown = false;
  private readonly tap: LiveTap | null;

  constructor(
    private readonly ctx: RunContext,
    private readonly runId: number,
    private readonly deps: SegmentPipelineDeps,
    private readonly options: SegmentPipelineOptions,
  ) {
    const day = new Date(deps.clock.now()).toISOString().slice(0, 10);
    this.dirRel = `c${ctx.cameraId}/${day}`;
    this.dir = deps.store.segmentFolder(ctx.cameraId, day);
    this.lastEnd = deps.store.lastEndOfStream(ctx.streamId);
    this.tap = deps.live ? new LiveTap(ctx.cameraId, ctx.kind, deps.live) : null;
    this.tap?.setFile(this.fileAbs(1), 0);
  }

  /** Segments this run has indexed so far. */
  get segmentsIndexed(): number {
    return this.indexed;
  }

  private fileName(seq: number): string {
    return `r${this.runId}-${String(seq).padStart(6, '0')}.mp4`;
  }

  private fileAbs(seq: number): string {
    return join(this.dir, this.fileName(seq));
  }

  args(source: OpenedSource): string[] {
    return segmentArgs(source, {
      segmentSeconds: this.options.segmentSeconds,
      fragmentMs: this.options.fragmentMs,
      audioCodec: this.options.audioCodec,
      outputPattern: join(patternSafe(this.dir), `r${this.runId}-%06d.mp4`),
    });
  }

  attach(proc: ChildProcess): void {
    const progress = new ProgressParser((b) => {
      if (b.outTimeUs === null) return;
      const offset = this.deps.clock.now() - b.outTimeUs / 1000;
      this.anchor = this.anchor === null ? offset : Math.min(this.anchor, offset);
      this.ctx.alive();
      if (!this.infoKnown) this.learnStreamInfo();
    });
    proc.stdout?.setEncoding('utf8');
    proc.stdout?.on('data', (chunk: string) => progress.push(chunk));
    const list = proc.stdio[3] as NodeJS.ReadableStream | undefined;
    if (list) {
      createInterface({ input: list }).on('line', (line) => {
        const entry = parseSegmentListLine(line);
        if (!entry) return;
        try {
          this.indexFinished(entry.name, entry.start, entry.end);
        } catch (err) {
          this.deps.log.error(`camera ${this.ctx.cameraId}: could not index ${entry.name}: ${(err as Error).message}`);
        }
      });
    }
  }

  tick(): void {
    this.tap?.tick();
  }

  busy(): boolean {
    return this.tap?.active ?? false;
  }

  /** The first segment's header tells the stream's codec and size. */
  private learnStreamInfo(): void {
    const path = this.fileAbs(this.lastSeq + 1);
    try {
      const init = readInit(path);
      if (!init?.info.video) return;
      this.infoKnown = true;
      this.ctx.streamInfo(init.info);
    } catch {
      // not written yet
    }
  }

  /** A segment is complete: durations into its header, fsync, then its row. */
  private indexFinished(name: string, startSeconds: number, endSeconds: number): void {
    const parsed = parseSegmentFileName(`${this.dirRel}/${name}`);
    if (!parsed || parsed.runId !== this.runId || parsed.cameraId !== this.ctx.cameraId) {
      throw new Error(`unexpected segment name ${name}`);
    }
    const rel = `${this.dirRel}/${name}`;
    const abs = this.deps.store.absolutePath(rel);
    const init = readInit(abs);
    if (!init?.info.video) throw new Error('segment has no video header');
    const durationMs = Math.round((endSeconds - startSeconds) * 1000);
    if (durationMs <= 0) {
      this.deps.store.discardFile(rel);
      return;
    }
    const ticks = new Map(init.info.tracks.map((t) => [t.trackId, Math.round((endSeconds - startSeconds) * t.timescale)]));
    const file = SegmentFile.reopenForPatch(this.deps.store, rel);
    file.patch(0, withDurations(init.buf, init.info, ticks));
    file.finish();

    const now = this.deps.clock.now();
    let anchor = this.anchor ?? now - endSeconds * 1000;
    // The camera's clock runs slow, or ffmpeg fell behind: move the anchor
    // forward (a small honest gap) rather than let the index drift into the past.
    const behind = now - (anchor + endSeconds * 1000);
    if (behind > 2000 + this.options.segmentSeconds * 1000) this.anchor = anchor += behind - 1000;
    // Footage cannot end in the future: a later estimate of the anchor wins
    // (the next start then clamps to this end, so the run stays contiguous).
    if (behind < 0) this.anchor = anchor += behind;
    // Both ends through the same rounding, so consecutive segments of a run meet exactly.
    let start = Math.round(anchor + startSeconds * 1000);
    if (this.lastEnd !== null && start < this.lastEnd) start = this.lastEnd; // never overlap
    const end = Math.max(start, Math.round(anchor + endSeconds * 1000));
    const video = init.info.video;
    const row = {
      cameraId: this.ctx.cameraId,
      streamId: this.ctx.streamId,
      runId: this.runId,
      seq: parsed.seq,
      start,
      end,
      bytes: statSync(abs).size,
      codec: friendlyCodec(video.fourcc),
      width: video.width,
      height: video.height,
      file: rel,
      recovered: false,
    };
    const id = this.deps.store.insertSegment(row);
    this.deps.store.noteSegmentLength(end - start);
    this.lastEnd = end;
    this.lastSeq = parsed.seq;
    this.indexed++;
    this.tap?.setFile(this.fileAbs(parsed.seq + 1), endSeconds);
    this.deps.onSegment?.({ id, ...row });
  }

  /** ffmpeg is gone: segments it could not finish (a kill, a stall) are recovered like after a crash. */
  finish(): void {
    this.tap?.stop();
    for (let seq = this.lastSeq + 1; existsSync(this.fileAbs(seq)); seq++) {
      const rel = `${this.dirRel}/${this.fileName(seq)}`;
      const row = recoverSegmentFile(this.deps.store, rel, this.deps.log);
      if (row) {
        this.indexed++;
        this.deps.onSegment?.(row);
      }
    }
  }
}
