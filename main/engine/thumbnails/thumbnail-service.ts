/**
 * Keyframe thumbnails: made from one keyframe fragment (init + that fragment,
 * decoded by ffmpeg as a single frame), stored beside the segment by the store,
 * deleted with it by retention. Made on request (the thumbnail route) and, in
 * the background, for the first slot of each new segment; one ffmpeg at a time.
 * Background thumbnails are gathered for a while and made in batches by one
 * ffmpeg: starting one costs more CPU than the picture it makes.
 * Everything keyed by a camera goes with it: cameraRemoved() drops its queued
 * jobs and stops the one running; a picture finished for a segment deleted
 * meanwhile is dropped by the store.
 */
import { availableParallelism, loadavg } from 'node:os';
import { THUMBNAIL_SLOT_MS } from '../../../preload/api.ts';
import type { SegmentRow, Store } from '../storage/store.ts';
import type { ThumbnailRow } from '../storage/thumbnail-files.ts';
import type { ServedFile } from '../storage/segment-files.ts';
import type { Logger } from '../log.ts';
import { systemClock, type Clock, type TimerHandle } from '../clock.ts';
import { notFound } from '../errors.ts';
import type { SegmentIndexCache } from '../playback/recording-index.ts';
import type { SegmentIndex } from '../mp4/fragment-index.ts';
import { JobQueue } from './job-queue.ts';
import { parseThumbnailId, thumbnailId } from './thumbnail-id.ts';
import { DEFAULT_RENDER, renderKeyframeJpeg, renderKeyframeJpegs } from './render-keyframe.ts';
import { nodeProcessRunner } from '../ingest/process-runner.ts';

export interface ThumbnailServiceOptions {
  /** Make slot 0 of new segments in the background (default true). */
  background: boolean;
  /** At most one background thumbnail per camera per this much footage. */
  backgroundEveryMs: number;
  width: number;
  /** Rest between background thumbnails. */
  backgroundPauseMs: number;
  /** Background thumbnails wait up to this long for others to be made with them... */
  batchWaitMs: number;
  /** ...and at most this many are made by one ffmpeg. */
  maxBatch: number;
  /** No background thumbnail is started while this says the machine is busy. */
  machineBusy: () => boolean;
}

/**
 * A batch's pipes are descriptors 3 to 2n + 2. The watchdog that ends
 * children with the engine where there is no pdeathsig (macOS) keeps
 * descriptors 8 and 9 for itself (process-runner.ts), so batches stay at 2
 * there.
 */
const MAX_BATCH = nodeProcessRunner.parentDeath === 'watchdog' ? 2 : 8;

export const DEFAULT_THUMBNAIL_OPTIONS: ThumbnailServiceOptions = {
  background: true,
  backgroundEveryMs: 60_000,
  width: 320,
  backgroundPauseMs: 250,
  batchWaitMs: 60_000,
  maxBatch: MAX_BATCH,
  machineBusy: busy,
};

/** What a thumbnail is made from. */
interface KeyframeSource {
  segment: SegmentRow;
  slot: number;
  /** Init segment + the keyframe fragment. */
  keyframe: Buffer;
  offsetMs: number;
}

export type ThumbnailFile = ServedFile & { row: ThumbnailRow };

export class ThumbnailService {
  private readonly queue: JobQueue<ThumbnailRow | null>;
  private readonly abort = new AbortController();
  private readonly lastBackground = new Map<number, number>();
  /** Camera of every queued or running job (by thumbnail id), and the running job's own abort. */
  private readonly jobs = new Map<string, { cameraId: number; abort: AbortController }>();
  /** Background thumbnails gathering for the next batch: segment id and camera. */
  private gathering: { segmentId: number; cameraId: number }[] = [];
  private batchTimer: TimerHandle | null = null;
  /** Batches queued or running: their thumbnail ids. */
  private readonly batched = new Map<string, string[]>();
  private batches = 0;

  constructor(
    private readonly store: Store,
    private readonly indexes: SegmentIndexCache,
    private readonly ffmpegPath: string,
    private readonly log: Logger,
    private readonly options: ThumbnailServiceOptions = DEFAULT_THUMBNAIL_OPTIONS,
    private readonly clock: Clock = systemClock,
  ) {
    this.queue = new JobQueue({ maxBackground: 64, backgroundPauseMs: options.backgroundPauseMs }, clock);
  }

  private swept: Promise<void> = Promise.resolve();

  /** Sweeps JPEGs a crash left without a row; no thumbnail is made before it is done. */
  start(): Promise<void> {
    this.swept = this.store.thumbnails.sweepLeftovers().then((removed) => {
      if (removed) this.log.info(`thumbnails: removed ${removed} leftover file(s)`);
    });
    return this.swept;
  }

  stop(): void {
    this.abort.abort();
    this.queue.stop();
    this.clock.clearTimeout(this.batchTimer);
    this.gathering = [];
  }

  /** A camera was removed: its queued thumbnail jobs are dropped and the one running (if its) is stopped. */
  cameraRemoved(cameraId: number): void {
    this.lastBackground.delete(cameraId);
    this.gathering = this.gathering.filter((g) => g.cameraId !== cameraId);
    const gone = new Set([...this.jobs].filter(([, j]) => j.cameraId === cameraId).map(([key]) => key));
    this.queue.cancel((key) => gone.has(key), notFound(`camera ${cameraId} was removed`));
    for (const key of gone) this.jobs.get(key)?.abort.abort();
  }

  /**
   * A new segment was indexed: make its first thumbnail soon, so scrubbing
   * finds pictures ready. Background work is optional (requests make any
   * missing thumbnail), so it yields: at most one per camera per minute of
   * footage, and none while the machine is busy.
   */
  onSegment(segment: SegmentRow): void {
    if (!this.options.background) return;
    const last = this.lastBackground.get(segment.cameraId);
    if (last !== undefined && segment.start - last < this.options.backgroundEveryMs) return;
    if (this.options.machineBusy()) return;
    this.lastBackground.set(segment.cameraId, segment.start);
    this.gathering.push({ segmentId: segment.id, cameraId: segment.cameraId });
    if (this.gathering.length >= this.options.maxBatch) this.flushBatch();
    else if (!this.batchTimer) this.batchTimer = this.clock.setTimeout(() => this.flushBatch(), this.options.batchWaitMs);
  }

  /** Queues what has gathered as one background job (a request for one of them meanwhile makes it alone, and the batch skips it). */
  private flushBatch(): void {
    this.clock.clearTimeout(this.batchTimer);
    this.batchTimer = null;
    const batch = this.gathering;
    this.gathering = [];
    if (!batch.length) return;
    const keys = batch.map((b) => thumbnailId(b.segmentId, 0));
    for (const [i, key] of keys.entries()) if (!this.jobs.has(key)) this.jobs.set(key, { cameraId: batch[i].cameraId, abort: new AbortController() });
    const batchKey = `batch-${++this.batches}`;
    this.batched.set(batchKey, keys);
    this.queue.enqueueBackground(batchKey, async () => {
      try {
        await this.makeBatch(keys);
      } finally {
        this.forgetBatch(batchKey);
      }
      return null;
    });
    // A full backlog drops its oldest job: forget the thumbnails of batches no longer queued.
    for (const queued of [...this.batched.keys()]) if (!this.queue.has(queued)) this.forgetBatch(queued);
  }

  private forgetBatch(batchKey: string): void {
    // A request for one of its thumbnails (queued or running under the thumbnail's own key) keeps the entry.
    for (const key of this.batched.get(batchKey) ?? []) if (!this.queue.has(key)) this.jobs.delete(key);
    this.batched.delete(batchKey);
  }

  /** The JPEG for a thumbnail id, made now if needed. Throws not_found for an unknown id or a deleted segment. */
  async get(id: string): Promise<ThumbnailFile> {
    const parsed = parseThumbnailId(id);
    if (!parsed) throw notFound(`no thumbnail ${id}`);
    const { segmentId, slot } = parsed;
    let row = this.store.thumbnails.get(segmentId, slot);
    if (!row) {
      const segment = this.store.getSegment(segmentId);
      if (!segment) throw notFound(`no recording with id ${segmentId}`);
      if (!this.jobs.has(id)) this.jobs.set(id, { cameraId: segment.cameraId, abort: new AbortController() });
      row = (await this.queue.request(id, () => this.make(id, segmentId, slot)))!;
    }
    const file = await this.store.files.served(row.file, `t${id}`, `thumbnail ${id}`);
    return { ...file, row };
  }

  private async make(key: string, segmentId: number, slot: number): Promise<ThumbnailRow> {
    try {
      return await this.render(segmentId, slot, this.jobs.get(key)?.abort.signal);
    } finally {
      this.jobs.delete(key);
    }
  }

  private async render(segmentId: number, slot: number, jobSignal: AbortSignal | undefined): Promise<ThumbnailRow> {
    const source = await this.source(segmentId, slot);
    return 'keyframe' in source ? this.renderAlone(source, jobSignal) : source;
  }

  /** One thumbnail by its own ffmpeg, from a keyframe already read. */
  private async renderAlone(source: KeyframeSource, jobSignal: AbortSignal | undefined): Promise<ThumbnailRow> {
    const signal = jobSignal ? AbortSignal.any([this.abort.signal, jobSignal]) : this.abort.signal;
    const jpeg = await renderKeyframeJpeg(this.ffmpegPath, source.keyframe, { ...DEFAULT_RENDER, width: this.options.width, signal });
    return this.save(source, jpeg);
  }

  /**
   * Slot 0 of each of these thumbnails by one ffmpeg. Those made meanwhile
   * (on request), of a segment or camera gone, or aborted are skipped; a
   * picture the batch could not make is made alone, which gives it its own
   * error (logged: nobody waits for a background thumbnail).
   */
  private async makeBatch(keys: string[]): Promise<void> {
    const sources: { key: string; source: KeyframeSource }[] = [];
    for (const key of keys) {
      const abort = this.jobs.get(key)?.abort;
      if (!abort || abort.signal.aborted) continue;
      try {
        const source = await this.source(parseThumbnailId(key)!.segmentId, 0);
        if ('keyframe' in source) sources.push({ key, source });
      } catch (err) {
        this.log.debug(`thumbnail ${key}: ${(err as Error).message}`);
      }
    }
    if (!sources.length) return;
    // A batch ffmpeg that could not start, took too long or was stopped: nothing made; requests make them later.
    const jpegs = await renderKeyframeJpegs(this.ffmpegPath, sources.map((s) => s.source.keyframe), { ...DEFAULT_RENDER, width: this.options.width, signal: this.abort.signal }).catch((e: Error) => {
      this.log.debug(`thumbnail batch: ${e.message}`);
      return [];
    });
    for (const [i, { key, source }] of sources.entries()) {
      const jpeg = jpegs[i];
      if (jpeg === undefined || this.jobs.get(key)?.abort.signal.aborted || this.abort.signal.aborted) continue;
      try {
        if (jpeg instanceof Buffer) await this.save(source, jpeg);
        else if (sources.length > 1) {
          // Alone, from the keyframe already read (unless it was made meanwhile).
          if (!this.store.thumbnails.get(source.segment.id, source.slot)) await this.renderAlone(source, this.jobs.get(key)?.abort.signal);
        }
        else throw jpeg;
      } catch (err) {
        this.log.debug(`thumbnail ${key}: ${(err as Error).message}`);
      }
    }
  }

  /** The keyframe a thumbnail is made from, or its row when it exists already. */
  private async source(segmentId: number, slot: number): Promise<ThumbnailRow | KeyframeSource> {
    await this.swept.catch(() => undefined);
    const existing = this.store.thumbnails.get(segmentId, slot);
    if (existing) return existing;
    const segment = this.store.getSegment(segmentId);
    if (!segment) throw notFound(`no recording with id ${segmentId}`);
    const index = await this.indexes.get(segment);
    const slots = Math.max(1, Math.ceil(index.durationMs / THUMBNAIL_SLOT_MS));
    if (slot >= slots) throw notFound(`recording ${segmentId} has no thumbnail slot ${slot}`);
    const i = keyframeForSlot(index, slot);
    if (i < 0) throw notFound(`recording ${segmentId} has no keyframe`);
    const fragment = index.fragments[i];
    const bytes = Buffer.concat([index.init, await this.store.files.readRange(segment.file, fragment.offset, fragment.size)]);
    return { segment, slot, keyframe: bytes, offsetMs: Math.round((fragment.videoTime * 1000) / index.videoTimescale) };
  }

  private async save(source: KeyframeSource, jpeg: Buffer): Promise<ThumbnailRow> {
    const row = await this.store.thumbnails.save(source.segment, source.slot, source.offsetMs, jpeg);
    if (!row) throw notFound(`recording ${source.segment.id} was deleted`);
    return row;
  }
}

/** The 1-minute load average is above the number of cores (always false where the OS does not report it). */
function busy(): boolean {
  return loadavg()[0] > availableParallelism();
}

/** The first keyframe fragment at or after the slot's start, else the last one before it; -1 when none. */
export function keyframeForSlot(index: SegmentIndex, slot: number): number {
  const ticks = (slot * THUMBNAIL_SLOT_MS * index.videoTimescale) / 1000;
  let before = -1;
  for (let i = 0; i < index.fragments.length; i++) {
    const f = index.fragments[i];
    if (!f.keyframe) continue;
    if (f.videoTime >= ticks) return i;
    before = i;
  }
  return before;
}
