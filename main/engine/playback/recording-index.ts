/**
 * Where a recorded segment's keyframes are, for seeking: the init segment's
 * length and, per keyframe fragment, its byte offset and media time. Built by
 * the storage module (asynchronous reads of the file's boxes) on first use and
 * cached: indexed segment files never change.
 */
import type { RecordingIndex } from '../../../preload/api.ts';
import type { SegmentRow, Store } from '../storage/store.ts';
import { notFound } from '../errors.ts';
import { frameMs, type SegmentIndex } from '../mp4/fragment-index.ts';

export class SegmentIndexCache {
  private readonly entries = new Map<number, { file: string; index: Promise<SegmentIndex> }>();

  constructor(
    private readonly store: Store,
    private readonly capacity = 64,
  ) {}

  /** The segment's index; rejects with not_found when the row or its file is gone. */
  get(segment: SegmentRow): Promise<SegmentIndex> {
    const hit = this.entries.get(segment.id);
    if (hit && hit.file === segment.file) {
      this.entries.delete(segment.id); // refresh its place in the LRU order
      this.entries.set(segment.id, hit);
      return hit.index;
    }
    const index = this.store.files.index(segment.file);
    this.entries.set(segment.id, { file: segment.file, index });
    index.catch(() => this.entries.get(segment.id)?.index === index && this.entries.delete(segment.id)); // not cached when it failed
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return index;
  }

  async byId(id: number): Promise<{ segment: SegmentRow; index: SegmentIndex }> {
    const segment = this.store.getSegment(id);
    if (!segment) throw notFound(`no recording with id ${id}`);
    return { segment, index: await this.get(segment) };
  }
}

export async function describeRecording(cache: SegmentIndexCache, id: number): Promise<RecordingIndex> {
  const { segment, index } = await cache.byId(id);
  return {
    id,
    mimeType: index.info.mimeType,
    codec: segment.codec,
    initBytes: index.init.length,
    bytes: index.fileSize,
    durationMs: index.durationMs,
    frameMs: frameMs(index),
    keyframes: index.fragments
      .filter((f) => f.keyframe)
      .map((f) => ({ offset: f.offset, ms: Math.round(((f.videoTime * 1000) / index.videoTimescale) * 1000) / 1000 })),
  };
}
