/**
 * Where the player gets footage: the segment list, each segment's keyframe
 * index, and byte ranges of segment files, all by id over the one API
 * (`/api/recordings/:id/media` with Range). Injected, so the feed logic can be
 * driven without a server.
 */
import type { RecordingIndex } from '../../../../preload/api.ts';
import { api } from '../../api/index.ts';
import { rawPath } from '../../../../preload/raw-routes.ts';

export interface SegmentRef {
  id: number;
  start: number;
  end: number;
}

export interface FootageSource {
  segments(cameraId: number, from: number, to: number): Promise<SegmentRef[]>;
  index(segmentId: number): Promise<RecordingIndex>;
  /** Bytes [start, end) of a segment file; end omitted = to the end of the file. */
  bytes(segmentId: number, start: number, end?: number, signal?: AbortSignal): Promise<ArrayBuffer>;
}

/**
 * Media by id on the page's own origin: in a browser against the headless
 * server, and in the desktop window alike (it is served by the engine's
 * loopback server, docs/desktop.md). Ids only, never paths.
 */
export function recordingMediaUrl(segmentId: number): string {
  return rawPath('recordingMedia', { id: segmentId });
}

export function thumbnailUrl(id: string): string {
  return rawPath('thumbnail', { id });
}

export class ApiFootageSource implements FootageSource {
  private readonly indexes = new Map<number, Promise<RecordingIndex>>();

  async segments(cameraId: number, from: number, to: number): Promise<SegmentRef[]> {
    const r = await api.listRecordings({ camera: cameraId, from: Math.max(0, Math.floor(from)), to: Math.ceil(to) });
    if (!r.ok) throw new Error(r.error.message);
    return r.value.map((s) => ({ id: s.id, start: s.start, end: s.end }));
  }

  index(segmentId: number): Promise<RecordingIndex> {
    let p = this.indexes.get(segmentId);
    if (!p) {
      p = api.getRecordingIndex({ id: segmentId }).then((r) => {
        if (!r.ok) throw new Error(r.error.message);
        return r.value;
      });
      p.catch(() => this.indexes.delete(segmentId));
      this.indexes.set(segmentId, p);
      if (this.indexes.size > 512) this.indexes.delete(this.indexes.keys().next().value!);
    }
    return p;
  }

  async bytes(segmentId: number, start: number, end?: number, signal?: AbortSignal): Promise<ArrayBuffer> {
    const range = end === undefined ? `bytes=${start}-` : `bytes=${start}-${end - 1}`;
    const res = await fetch(recordingMediaUrl(segmentId), { headers: { Range: range }, credentials: 'same-origin', signal });
    if (res.status !== 206 && res.status !== 200) throw new Error(`recording ${segmentId}: HTTP ${res.status}`);
    const buf = await res.arrayBuffer();
    // A server that ignored the Range sends the whole file: cut it here.
    return res.status === 200 && (start > 0 || end !== undefined) ? buf.slice(start, end) : buf;
  }
}
