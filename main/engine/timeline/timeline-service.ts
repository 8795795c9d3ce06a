/**
 * The timeline query: per camera, the footage spans (from the store's merged
 * `footage_spans`, never from segment rows), the gaps between them, events,
 * and thumbnails sampled evenly across the window. Per camera a fixed handful
 * of indexed statements, whatever the window's length or the number of
 * thumbnails asked for; the work that grows is building the events returned.
 */
import {
  THUMBNAIL_SLOT_MS,
  type Adjacent,
  type AdjacentQuery,
  type CameraTimeline,
  type Timeline,
  type TimelineThumbnail,
} from '../../../preload/api.ts';
import type { Store } from '../storage/store.ts';
import { systemClock, type Clock } from '../clock.ts';
import { notFound } from '../errors.ts';
import { clipIntervals, gapsWithin, type Interval } from './intervals.ts';
import { thumbnailId } from '../thumbnails/thumbnail-id.ts';
import { thumbnailMoments } from './thumbnail-moments.ts';

/** Most events per camera in one answer; the UI zooms in for more. */
export const MAX_EVENTS_PER_CAMERA = 2000;

export interface TimelineRequest {
  cameras: number[];
  from: number;
  to: number;
  thumbnails?: number;
}

export class TimelineService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock = systemClock,
  ) {}

  get(q: TimelineRequest): Timeline {
    const names = this.cameraNames(q.cameras);
    return {
      from: q.from,
      to: q.to,
      cameras: q.cameras.map((id) => this.camera(id, names.get(id)!, q.from, q.to, q.thumbnails ?? 0)),
    };
  }

  private camera(cameraId: number, name: string, from: number, to: number, thumbnails: number): CameraTimeline {
    const { timeline } = this.store;
    const spans = clipIntervals(timeline.footageSpans(cameraId, from, to), from, to);
    const events = timeline.events(cameraId, from, to, MAX_EVENTS_PER_CAMERA + 1, this.clock.now());
    const eventsTruncated = events.length > MAX_EVENTS_PER_CAMERA;
    if (eventsTruncated) events.length = MAX_EVENTS_PER_CAMERA;
    return {
      cameraId,
      name,
      spans,
      gaps: gapsWithin(spans, from, to),
      events,
      eventsTruncated,
      thumbnails: thumbnails > 0 ? this.sampleThumbnails(cameraId, spans, from, to, thumbnails) : [],
      footage: timeline.footageBounds(cameraId),
    };
  }

  /**
   * One thumbnail per equal slice of the window that has footage: the keyframe
   * slot of the segment under the slice's middle (or the footage nearest to it
   * within the slice). All of a camera's segments are found by one indexed
   * statement. Ids are deterministic; the JPEG is made on first request.
   */
  private sampleThumbnails(cameraId: number, spans: Interval[], from: number, to: number, count: number): TimelineThumbnail[] {
    const moments = thumbnailMoments(spans, from, to, count);
    const segments = this.store.timeline.segmentsAt(cameraId, moments);
    const out: TimelineThumbnail[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < moments.length; i++) {
      const segment = segments[i];
      if (!segment) continue; // a hole shorter than the join tolerance, inside a span
      const slot = Math.max(0, Math.floor((moments[i] - segment.start) / THUMBNAIL_SLOT_MS));
      const id = thumbnailId(segment.id, slot);
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({ id, at: segment.start + slot * THUMBNAIL_SLOT_MS });
    }
    return out;
  }

  /** Next/previous event or footage among some cameras. */
  adjacent(q: AdjacentQuery & { cameras: number[]; at: number }): Adjacent {
    this.cameraNames(q.cameras);
    const { timeline } = this.store;
    if (q.what === 'event') {
      const e = timeline.adjacentEvent(q.cameras, q.at, q.direction);
      return e
        ? { at: e.start, cameraId: e.cameraId, event: { id: e.id, kind: e.kind, start: e.start, end: e.end } }
        : { at: null, cameraId: null, event: null };
    }
    let best: { at: number; cameraId: number } | null = null;
    for (const cameraId of q.cameras) {
      const at = q.direction === 'next' ? timeline.nextFootage(cameraId, q.at) : timeline.previousFootageEnd(cameraId, q.at);
      if (at === null) continue;
      if (!best || (q.direction === 'next' ? at < best.at : at > best.at)) best = { at, cameraId };
    }
    return best ? { ...best, event: null } : { at: null, cameraId: null, event: null };
  }

  private cameraNames(ids: number[]): Map<number, string> {
    const names = new Map<number, string>();
    const unknown: number[] = [];
    for (const id of ids) {
      const row = this.store.getCamera(id);
      if (row) names.set(id, row.name);
      else unknown.push(id);
    }
    if (unknown.length) throw notFound(`no camera with id ${unknown.join(', ')}`);
    return names;
  }
}
