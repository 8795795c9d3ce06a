/**
 * Keyframe thumbnails: made from one keyframe fragment (init + that fragment,
 * decoded by ffmpeg as a single frame), stored beside the segment by the store,
 * deleted with it by retention. Made on request (the thumbnail route) and, in
 * the background, for the first slot of each new segment; one ffmpeg at a time.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { THUMBNAIL_SLOT_MS } from '../../../preload/api.ts';
import type { SegmentRow, Store } from '../storage/store.ts';
import type { ThumbnailRow } from '../storage/thumbnail-files.ts';
import type { Logger } from '../log.ts';
import { notFound } from '../errors.ts';
import { containedRealPath } from '../playback/media-path.ts';
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

export interface ThumbnailFile {
  path: string;
  size: number;
  mtimeMs: number;
  row: ThumbnailRow;
}

export class ThumbnailService {
  private readonly queue: JobQueue<ThumbnailRow>;
  private readonly abort = new AbortController();
  private readonly lastBackground = new Map<number, number>();

  constructor(
    private readonly store: Store,
    private readonly indexes: SegmentIndexCache,
    private readonly ffmpegPath: string,
    private readonly log: Logger,
    private readonly options: ThumbnailServiceOptions = DEFAULT_THUMBNAIL_OPTIONS,
  ) {
    this.queue = new JobQueue({ maxBackground: 64, backgroundPauseMs: options.backgroundPauseMs });
  }

  /** Sweeps JPEGs a crash left without a row; call before any thumbnail is made. */
  start(): void {
    const removed = this.store.thumbnails.sweepLeftovers();
    if (removed) this.log.info(`thumbnails: removed ${removed} leftover file(s)`);
  }

  stop(): void {
    this.abort.abort();
    this.queue.stop();
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
    this.queue.enqueueBackground(key, () => this.make(segment.id, 0));
  }

  /** The JPEG for a thumbnail id, made now if needed. Throws not_found for an unknown id or a deleted segment. */
  async get(id: string): Promise<ThumbnailFile> {
    const parsed = parseThumbnailId(id);
    if (!parsed) throw notFound(`no thumbnail ${id}`);
    const { segmentId, slot } = parsed;
    const row = this.store.thumbnails.get(segmentId, slot) ?? (await this.queue.request(id, () => this.make(segmentId, slot)));
    try {
      const path = containedRealPath(this.store.absolutePath(row.file), this.store.recordingsRoot);
      const st = statSync(path);
      return { path, size: st.size, mtimeMs: st.mtimeMs, row };
    } catch {
      throw notFound(`thumbnail ${id} is gone (its footage was deleted)`);
    }
  }

  private async make(segmentId: number, slot: number): Promise<ThumbnailRow> {
    const existing = this.store.thumbnails.get(segmentId, slot);
    if (existing) return existing;
    const segment = this.store.getSegment(segmentId);
    if (!segment) throw notFound(`no recording with id ${segmentId}`);
    const index = this.indexes.get(segment);
    const slots = Math.max(1, Math.ceil(index.durationMs / THUMBNAIL_SLOT_MS));
    if (slot >= slots) throw notFound(`recording ${segmentId} has no thumbnail slot ${slot}`);
    const i = keyframeForSlot(index, slot);
    if (i < 0) throw notFound(`recording ${segmentId} has no keyframe`);
    const fragment = index.fragments[i];
    const bytes = Buffer.concat([index.init, this.readRange(segment, fragment.offset, fragment.size)]);
    const jpeg = await renderKeyframeJpeg(this.ffmpegPath, bytes, { ...DEFAULT_RENDER, width: this.options.width, signal: this.abort.signal });
    const offsetMs = Math.round((fragment.videoTime * 1000) / index.videoTimescale);
    const row = this.store.thumbnails.save(segment, slot, offsetMs, jpeg);
    if (!row) throw notFound(`recording ${segmentId} was deleted`);
    return row;
  }

  private readRange(segment: SegmentRow, offset: number, length: number): Buffer {
    const fd = openSync(containedRealPath(this.store.absolutePath(segment.file), this.store.recordingsRoot), 'r');
    try {
      const buf = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const n = readSync(fd, buf, got, length - got, offset + got);
        if (n === 0) throw new Error('recording file is shorter than its index');
        got += n;
      }
      return buf;
    } finally {
      closeSync(fd);
    }
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
