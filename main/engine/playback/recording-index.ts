/**
 * Where a recorded segment's keyframes are, for seeking: the init segment's
 * length and, per keyframe fragment, its byte offset and media time. Built
 * from the file's boxes (mp4/fragment-index.ts) on first use and cached:
 * indexed segment files never change.
 */
import type { RecordingIndex } from '../../../preload/api.ts';
import type { SegmentRow, Store } from '../storage/store.ts';
import { notFound } from '../errors.ts';
import { frameMs, indexSegmentFile, type SegmentIndex } from '../mp4/fragment-index.ts';
import { containedRealPath } from './media-path.ts';

export class SegmentIndexCache {
  private readonly entries = new Map<number, { file: string; index: SegmentIndex }>();

  constructor(
    private readonly store: Store,
    private readonly capacity = 64,
  ) {}

  /** The segment's index; throws not_found when the row or its file is gone. */
  get(segment: SegmentRow): SegmentIndex {
    const hit = this.entries.get(segment.id);
    if (hit && hit.file === segment.file) {
      this.entries.delete(segment.id); // refresh its place in the LRU order
      this.entries.set(segment.id, hit);
      return hit.index;
    }
    let path: string;
    try {
      path = containedRealPath(this.store.absolutePath(segment.file), this.store.recordingsRoot);
    } catch {
      throw notFound(`the file of recording ${segment.id} is gone`);
    }
    const index = indexSegmentFile(path);
    this.entries.set(segment.id, { file: segment.file, index });
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return index;
  }

  byId(id: number): { segment: SegmentRow; index: SegmentIndex } {
    const segment = this.store.getSegment(id);
    if (!segment) throw notFound(`no recording with id ${id}`);
    return { segment, index: this.get(segment) };
  }
}

export function describeRecording(cache: SegmentIndexCache, id: number): RecordingIndex {
  const { segment, index } = cache.byId(id);
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
