/**
 * A recorded stream: ffmpeg writes fragmented-MP4 segment files itself; the
 * engine learns of each finished segment on pipe:3, fixes its header
 * durations, fsyncs it and only then indexes it. Progress on pipe:1 is the
 * heartbeat and the clock anchor. A segment cut short by a kill is recovered
 * like after a crash. Live viewers read the file being written (LiveTap).
 *
 * Every file operation goes through the storage module's asynchronous
 * segment-file API: a slow disk delays indexing, never the event loop.
 * Finished segments are handled one at a time, in ffmpeg's order.
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import { segmentArgs } from '../ingest/ffmpeg-args.ts';
import { ProgressParser, parseSegmentListLine } from '../ingest/progress.ts';
import type { OpenedSource } from '../ingest/opener.ts';
import { friendlyCodec, withDurations } from '../mp4/init.ts';
import { parseSegmentFileName, type Store, type SegmentRow } from '../storage/store.ts';
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
  /** Seconds between ffmpeg's progress reports (its heartbeat). */
  progressSeconds: number;
}

export class SegmentPipeline implements MediaPipeline {
  readonly extraPipes = 1;
  private folder: string | null = null;
  private outputPattern: string | null = null;
  /** Wall-clock time (UTC ms) of media time 0 of this run: min over progress reports of (arrival − media time). */
  private anchor: number | null = null;
  private lastSeq = 0;
  private lastEnd: number | null;
  private indexed = 0;
  private infoKnown = false;
  private learning = false;
  /** Finished segments are sealed and indexed one after the other. */
  private work: Promise<void> = Promise.resolve();
  private readonly tap: LiveTap | null;

  constructor(
    private readonly ctx: RunContext,
    private readonly runId: number,
    private readonly deps: SegmentPipelineDeps,
    private readonly options: SegmentPipelineOptions,
    private readonly startedAt: number = deps.clock.now(),
  ) {
    this.lastEnd = deps.store.lastEndOfStream(ctx.streamId);
    this.tap = deps.live ? new LiveTap(ctx.cameraId, ctx.kind, deps.live, deps.store.files) : null;
  }

  /** Segments this run has indexed so far. */
  get segmentsIndexed(): number {
    return this.indexed;
  }

  /** Creates the run's folder (before ffmpeg is spawned). */
  async prepare(): Promise<void> {
    const run = await this.deps.store.files.prepareRun(this.ctx.cameraId, this.runId, this.startedAt);
    this.folder = run.folder;
    this.outputPattern = run.outputPattern;
    this.tap?.setFile(this.file(1), 0);
  }

  private file(seq: number): string {
    if (this.folder === null) throw new Error('the run folder is not prepared');
    return this.deps.store.files.segmentOfRun(this.folder, this.runId, seq);
  }

  args(source: OpenedSource): string[] {
    if (this.outputPattern === null) throw new Error('the run folder is not prepared');
    return segmentArgs(source, {
      segmentSeconds: this.options.segmentSeconds,
      fragmentMs: this.options.fragmentMs,
      audioCodec: this.options.audioCodec,
      outputPattern: this.outputPattern,
      progressSeconds: this.options.progressSeconds,
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
    if (list) createInterface({ input: list }).on('line', (line) => this.onListLine(line));
  }

  /** A line of ffmpeg's segment list: a segment is finished. */
  onListLine(line: string): void {
    const entry = parseSegmentListLine(line);
    if (!entry) return;
    const arrivedAt = this.deps.clock.now();
    this.work = this.work.then(() =>
      this.indexFinished(entry.name, entry.start, entry.end, arrivedAt).catch((err) => {
        this.deps.log.error(`camera ${this.ctx.cameraId}: could not index ${entry.name}: ${(err as Error).message}`);
      }),
    );
  }

  tick(): void {
    this.tap?.tick();
  }

  busy(): boolean {
    return this.tap?.active ?? false;
  }

  /** The first segment's header tells the stream's codec and size. */
  private learnStreamInfo(): void {
    if (this.learning || this.folder === null) return;
    this.learning = true;
    this.deps.store.files
      .readInit(this.file(this.lastSeq + 1))
      .then((init) => {
        if (!init?.info.video || this.infoKnown) return;
        this.infoKnown = true;
        this.ctx.streamInfo(init.info);
      })
      .catch(() => undefined) // not written yet: the next progress report asks again
      .finally(() => (this.learning = false));
  }

  /** A segment is complete: durations into its header, fsync of file and folder, then its row. */
  private async indexFinished(name: string, startSeconds: number, endSeconds: number, arrivedAt: number): Promise<void> {
    const rel = `${this.folder}/${name}`;
    const parsed = parseSegmentFileName(rel);
    if (!parsed || parsed.runId !== this.runId || parsed.cameraId !== this.ctx.cameraId) {
      throw new Error(`unexpected segment name ${name}`);
    }
    const { files } = this.deps.store;
    const init = await files.readInit(rel);
    if (!init?.info.video) throw new Error('segment has no video header');
    const durationMs = Math.round((endSeconds - startSeconds) * 1000);
    if (durationMs <= 0) {
      this.lastSeq = parsed.seq;
      this.deps.store.discardFile(rel);
      return;
    }
    const ticks = new Map(init.info.tracks.map((t) => [t.trackId, Math.round((endSeconds - startSeconds) * t.timescale)]));
    await files.seal(rel, withDurations(init.buf, init.info, ticks));
    const size = (await files.identity(rel))?.size;
    if (size === undefined) throw new Error('the segment file vanished');

    let anchor = this.anchor ?? arrivedAt - endSeconds * 1000;
    // The camera's clock runs slow, or ffmpeg fell behind: move the anchor
    // forward (a small honest gap) rather than let the index drift into the past.
    const behind = arrivedAt - (anchor + endSeconds * 1000);
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
      bytes: size,
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
    this.tap?.setFile(this.file(parsed.seq + 1), endSeconds);
    this.deps.onSegment?.({ id, ...row });
  }

  /** ffmpeg is gone: once the finished segments are indexed, those it could not finish (a kill, a stall) are recovered like after a crash. */
  async finish(): Promise<void> {
    await this.tap?.stop();
    await this.work;
    if (this.folder === null) return;
    for (let seq = this.lastSeq + 1; await this.deps.store.files.identity(this.file(seq)); seq++) {
      const row = await recoverSegmentFile(this.deps.store, this.file(seq), this.deps.log);
      if (row) {
        this.indexed++;
        this.deps.onSegment?.(row);
      }
    }
  }
}
