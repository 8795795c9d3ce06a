/**
 * Read-only lookups the timeline, playback and export need, all through
 * indexes: spans of footage (footage_spans), the segment at a moment, the next
 * or previous footage, and camera events. Part of the storage module.
 */
import type { Db } from './database.ts';
import type { Interval } from '../timeline/intervals.ts';
import type { FootageSpans } from './footage-spans.ts';

export interface EventRow {
  id: number;
  cameraId: number;
  kind: string;
  start: number;
  end: number | null;
}

export interface SegmentBounds {
  id: number;
  start: number;
  end: number;
}

/** How the events table (created by the ONVIF events work) names its columns. */
interface EventColumns {
  camera: string;
  start: string;
  end: string | null;
  kind: string | null;
}

const START_COLUMNS = ['start_ms', 'at_ms', 'time_ms', 'started_at', 'ts_ms', 'received_at'];
const END_COLUMNS = ['end_ms', 'ended_at', 'until_ms'];
const KIND_COLUMNS = ['kind', 'type', 'topic'];

export class TimelineIndex {
  private eventColumns: EventColumns | null | undefined;

  constructor(
    private readonly db: Db,
    private readonly spans: FootageSpans,
  ) {}

  footageSpans(cameraId: number, from: number, to: number): Interval[] {
    return this.spans.query(cameraId, from, to);
  }

  /** The segment whose [start, end) holds `t`, or null (a gap). */
  segmentAt(cameraId: number, t: number): SegmentBounds | null {
    const row = this.db
      .prepare('SELECT id, start_ms AS start, end_ms AS end FROM segments WHERE camera_id = ? AND start_ms <= ? ORDER BY start_ms DESC LIMIT 1')
      .get(cameraId, t) as SegmentBounds | undefined;
    return row && row.end > t ? row : null;
  }

  /** Start of the first footage strictly after `t` that is not contiguous with `t` (the next span), or null. */
  nextFootage(cameraId: number, t: number): number | null {
    const row = this.db
      .prepare('SELECT MIN(start_ms) AS t FROM footage_spans WHERE camera_id = ? AND end_ms > ? AND start_ms > ?')
      .get(cameraId, t, t) as { t: number | null };
    return row.t;
  }

  /** End of the last footage that ends at or before `t` (the previous span), or null. */
  previousFootageEnd(cameraId: number, t: number): number | null {
    const row = this.db
      .prepare('SELECT MAX(end_ms) AS t FROM footage_spans WHERE camera_id = ? AND end_ms <= ?')
      .get(cameraId, t) as { t: number | null };
    return row.t;
  }

  /** First and last moment of footage of a camera, or null when it has none. */
  footageBounds(cameraId: number): Interval | null {
    const row = this.db
      .prepare('SELECT MIN(start_ms) AS start, MAX(end_ms) AS end FROM footage_spans WHERE camera_id = ?')
      .get(cameraId) as { start: number | null; end: number | null };
    return row.start === null || row.end === null ? null : { start: row.start, end: row.end };
  }

  /**
   * Camera events overlapping [from, to), oldest first, at most `limit`.
   * Returns [] while the events table does not exist yet.
   */
  events(cameraId: number, from: number, to: number, limit: number): EventRow[] {
    const c = this.columns();
    if (!c) return [];
    const end = c.end ? `COALESCE(${c.end}, ${c.start})` : c.start;
    return (
      this.db
        .prepare(
          `SELECT rowid AS id, ${c.camera} AS cameraId, ${c.kind ?? "'event'"} AS kind, ${c.start} AS start, ${c.end ?? 'NULL'} AS "end"
           FROM events WHERE ${c.camera} = ? AND ${c.start} < ? AND ${end} >= ? ORDER BY ${c.start} LIMIT ?`,
        )
        .all(cameraId, to, from, limit) as EventRow[]
    ).map((e) => ({ ...e, kind: String(e.kind) }));
  }

  /** The nearest event start strictly after (or before) `t` among `cameraIds`, or null. */
  adjacentEvent(cameraIds: number[], t: number, direction: 'next' | 'previous'): EventRow | null {
    const c = this.columns();
    if (!c || !cameraIds.length) return null;
    const marks = cameraIds.map(() => '?').join(', ');
    const [cmp, order] = direction === 'next' ? ['>', 'ASC'] : ['<', 'DESC'];
    const row = this.db
      .prepare(
        `SELECT rowid AS id, ${c.camera} AS cameraId, ${c.kind ?? "'event'"} AS kind, ${c.start} AS start, ${c.end ?? 'NULL'} AS "end"
         FROM events WHERE ${c.camera} IN (${marks}) AND ${c.start} ${cmp} ? ORDER BY ${c.start} ${order} LIMIT 1`,
      )
      .get(...cameraIds, t) as EventRow | undefined;
    return row ? { ...row, kind: String(row.kind) } : null;
  }

  /**
   * Column names of the events table, read once. The table belongs to the
   * ONVIF events work; reading it by its columns keeps the timeline working
   * whichever names that migration settles on, and empty until it exists.
   */
  private columns(): EventColumns | null {
    if (this.eventColumns !== undefined) return this.eventColumns;
    const cols = (this.db.prepare("SELECT name FROM pragma_table_info('events')").all() as { name: string }[]).map((r) => r.name);
    const pick = (names: string[]) => names.find((n) => cols.includes(n)) ?? null;
    const camera = cols.includes('camera_id') ? 'camera_id' : null;
    const start = pick(START_COLUMNS);
    this.eventColumns = camera && start ? { camera, start, end: pick(END_COLUMNS), kind: pick(KIND_COLUMNS) } : null;
    return this.eventColumns;
  }
}
