/**
 * Keyframe thumbnails: made from one keyframe fragment (init + that fragment,
 * decoded by ffmpeg as a single frame), stored beside the segment by the store,
 * deleted with it by retention. Made on request (the thumbnail route) and, in
 * the background, for the first slot of each new segment; one ffmpeg at a time.
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
import { systemClock, type Clock } from '../clock.ts';
import { notFound } from '../errors.ts';
import type { SegmentIndexCache } from '../playback/recording-index.ts';
import type { SegmentIndex } from '../mp4/fragment-index.ts';
import { JobQueue } from './job-queue.ts';
import { parseThumbnailId, thumbnailId } from './thumbnail-id.ts';
import { DEFAULT_RENDER, renderKeyframeJpeg } from './render-keyframe.ts';

export interface ThumbnailServiceOptions {
  /** Make slot 0 of new segments in the background (default true). */
  background: boolean;
  /** At most one background thumbnail per camera per this much footage. */
  backgroundEveryMs: number;
  width: number;
  /** Rest between background thumbnails. */
  backgroundPauseMs: number;
}

export const DEFAULT_THUMBNAIL_OPTIONS: ThumbnailServiceOptions = { background: true, backgroundEveryMs: 60_000, width: 320, backgroundPauseMs: 250 };

export type ThumbnailFile = ServedFile & { row: ThumbnailRow };

export class ThumbnailService {
  private readonly queue: JobQueue<ThumbnailRow>;
  private readonly abort = new AbortController();
  private readonly lastBackground = new Map<number, number>();
  /** Camera of every queued or running job (by thumbnail id), and the running job's own abort. */
  private readonly jobs = new Map<string, { cameraId: number; abort: AbortController }>();

  constructor(
    private readonly store: Store,
    private readonly indexes: SegmentIndexCache,
    private readonly ffmpegPath: string,
    private readonly log: Logger,
    private readonly options: ThumbnailServiceOptions = DEFAULT_THUMBNAIL_OPTIONS,
    clock: Clock = systemClock,
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
  }

  /** A camera was removed: its queued thumbnail jobs are dropped and the one running (if its) is stopped. */
  cameraRemoved(cameraId: number): void {
    this.lastBackground.delete(cameraId);
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
    if (busy()) return;
    this.lastBackground.set(segment.cameraId, segment.start);
    const key = thumbnailId(segment.id, 0);
    this.jobs.set(key, { cameraId: segment.cameraId, abort: new AbortController() });
    this.queue.enqueueBackground(key, () => this.make(key, segment.id, 0));
    // A full backlog drops its oldest job: forget the cameras of jobs no longer queued.
    for (const k of this.jobs.keys()) if (!this.queue.has(k)) this.jobs.delete(k);
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
      row = await this.queue.request(id, () => this.make(id, segmentId, slot));
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
    const signal = jobSignal ? AbortSignal.any([this.abort.signal, jobSignal]) : this.abort.signal;
    const jpeg = await renderKeyframeJpeg(this.ffmpegPath, bytes, { ...DEFAULT_RENDER, width: this.options.width, signal });
    const offsetMs = Math.round((fragment.videoTime * 1000) / index.videoTimescale);
    const row = await this.store.thumbnails.save(segment, slot, offsetMs, jpeg);
    if (!row) throw notFound(`recording ${segmentId} was deleted`);
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
