/**
 * Read-only lookups the timeline, playback and export need, all through
 * indexes: spans of footage (footage_spans), the segment at a moment, the next
 * or previous footage, the next or previous event. Part of the storage module.
 */
import type Database from 'better-sqlite3';
import type { Db } from './database.ts';
import type { Interval } from '../timeline/intervals.ts';
import type { FootageSpans } from './footage-spans.ts';

type Statement = Database.Statement;

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

export class TimelineIndex {
  private readonly statements = new Map<string, Statement>();

  constructor(
    private readonly db: Db,
    private readonly spans: FootageSpans,
  ) {}

  /** Prepared once: a timeline answer runs hundreds of these lookups. */
  private sql(text: string): Statement {
    let s = this.statements.get(text);
    if (!s) this.statements.set(text, (s = this.db.prepare(text)));
    return s;
  }

  /**
   * Events overlapping [from, to), oldest first, at most `limit`: only what the
   * timeline draws (the full rows are in onvif-index.ts). Same rule as there:
   * events started up to a day before `from`, plus any still open however old.
   */
  events(cameraId: number, from: number, to: number, limit: number, now: number): EventRow[] {
    const lookBack = 24 * 3600_000;
    const recent = this.sql(
      `SELECT id, camera_id AS cameraId, kind, start_ms AS start, end_ms AS "end" FROM events
       WHERE camera_id = ? AND start_ms >= ? AND start_ms < ? AND COALESCE(end_ms, ?) >= ?
       ORDER BY start_ms, id LIMIT ?`,
    ).all(cameraId, from - lookBack, to, now, from, limit) as EventRow[];
    const longOpen = this.sql(
      `SELECT id, camera_id AS cameraId, kind, start_ms AS start, end_ms AS "end" FROM events
       WHERE camera_id = ? AND end_ms IS NULL AND start_ms < ? ORDER BY start_ms, id LIMIT ?`,
    ).all(cameraId, from - lookBack, limit) as EventRow[];
    return longOpen.length ? [...longOpen, ...recent].slice(0, limit) : recent;
  }

  footageSpans(cameraId: number, from: number, to: number): Interval[] {
    return this.spans.query(cameraId, from, to);
  }

  /** The segment whose [start, end) holds `t`, or null (a gap). */
  segmentAt(cameraId: number, t: number): SegmentBounds | null {
    const row = this.sql('SELECT id, start_ms AS start, end_ms AS end FROM segments WHERE camera_id = ? AND start_ms <= ? ORDER BY start_ms DESC LIMIT 1').get(cameraId, t) as
      | SegmentBounds
      | undefined;
    return row && row.end > t ? row : null;
  }

  /** Start of the first footage strictly after `t` that is not contiguous with `t` (the next span), or null. */
  nextFootage(cameraId: number, t: number): number | null {
    const row = this.sql('SELECT MIN(start_ms) AS t FROM footage_spans WHERE camera_id = ? AND end_ms > ? AND start_ms > ?').get(cameraId, t, t) as { t: number | null };
    return row.t;
  }

  /** End of the last footage that ends at or before `t` (the previous span), or null. */
  previousFootageEnd(cameraId: number, t: number): number | null {
    const row = this.sql('SELECT MAX(end_ms) AS t FROM footage_spans WHERE camera_id = ? AND end_ms <= ?').get(cameraId, t) as { t: number | null };
    return row.t;
  }

  /** First and last moment of footage of a camera, or null when it has none. */
  footageBounds(cameraId: number): Interval | null {
    const row = this.sql('SELECT MIN(start_ms) AS start, MAX(end_ms) AS end FROM footage_spans WHERE camera_id = ?').get(cameraId) as {
      start: number | null;
      end: number | null;
    };
    return row.start === null || row.end === null ? null : { start: row.start, end: row.end };
  }

  /**
   * The nearest event start strictly after (or before) `t` among `cameraIds`,
   * or null. Events live in the `events` table of migration 003 (ONVIF events;
   * their other queries are in onvif-index.ts); this is the one lookup the
   * timeline's next/previous-event keys need, through events_by_camera_start.
   */
  adjacentEvent(cameraIds: number[], t: number, direction: 'next' | 'previous'): EventRow | null {
    let best: EventRow | null = null;
    const sql =
      direction === 'next'
        ? `SELECT id, camera_id AS cameraId, kind, start_ms AS start, end_ms AS "end" FROM events WHERE camera_id = ? AND start_ms > ? ORDER BY start_ms LIMIT 1`
        : `SELECT id, camera_id AS cameraId, kind, start_ms AS start, end_ms AS "end" FROM events WHERE camera_id = ? AND start_ms < ? ORDER BY start_ms DESC LIMIT 1`;
    const stmt = this.sql(sql);
    for (const cameraId of cameraIds) {
      const row = stmt.get(cameraId, t) as EventRow | undefined;
      if (row && (!best || (direction === 'next' ? row.start < best.start : row.start > best.start))) best = row;
    }
    return best;
  }
}
