/**
 * Read-only lookups the timeline, playback and export need, all through
 * indexes: spans of footage (footage_spans), the segments at given moments, the next
 * or previous footage, the next or previous event. Part of the storage module.
 */
import { statementCache, type Db } from './database.ts';
import type { Interval } from '../timeline/intervals.ts';
import type { FootageSpans } from './footage-spans.ts';


export interface EventRow {
  id: number;
  cameraId: number;
  kind: string;
  start: number;
  end: number | null;
}

/** An event as the timeline draws it. */
export interface TimelineEventRow {
  id: number;
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
  /** Prepared once, reused by every timeline answer. */
  private readonly sql: ReturnType<typeof statementCache>;

  constructor(
    db: Db,
    private readonly spans: FootageSpans,
  ) {
    this.sql = statementCache(db);
  }

  /**
   * Events overlapping [from, to), oldest first, at most `limit`, shaped as the
   * timeline draws them (the full rows are in onvif-index.ts). Same rule as
   * there: events started up to a day before `from`, plus any still open
   * however old. A week of 16 cameras is ~8 000 events, and better-sqlite3's
   * row objects cost several times the query itself, so the rows come back as
   * one JSON text per camera and one object is built per event.
   */
  events(cameraId: number, from: number, to: number, limit: number, now: number): TimelineEventRow[] {
    const lookBack = 24 * 3600_000;
    const out: TimelineEventRow[] = [];
    // Open for more than the look-back: one per kind and source at most, through the partial index.
    const longOpen = this.sql(
      `SELECT id, kind, start_ms FROM events INDEXED BY events_open
       WHERE camera_id = ? AND end_ms IS NULL AND start_ms < ? ORDER BY start_ms, id LIMIT ?`,
      'arrays',
    ).all(cameraId, from - lookBack, limit) as [number, string, number][];
    for (const [id, kind, start] of longOpen) out.push({ id, kind, start, end: null });
    if (out.length >= limit) return out;
    // One JSON text for the lot: cheaper than a row per event through better-sqlite3.
    const recent = JSON.parse(
      this.sql(
        `SELECT json_group_array(json_array(id, kind, start_ms, end_ms)) FROM (
           SELECT id, kind, start_ms, end_ms FROM events
           WHERE camera_id = ? AND start_ms >= ? AND start_ms < ? AND COALESCE(end_ms, ?) >= ?
           ORDER BY start_ms, id LIMIT ?)`,
        'value',
      ).get(cameraId, from - lookBack, to, now, from, limit - out.length) as string,
    ) as [number, string, number, number | null][];
    // SQLite aggregates in the subquery's order, but does not promise it: check, and sort if ever not.
    for (let i = 1; i < recent.length; i++) {
      const a = recent[i - 1];
      const b = recent[i];
      if (a[2] > b[2] || (a[2] === b[2] && a[0] > b[0])) {
        recent.sort((x, y) => x[2] - y[2] || x[0] - y[0]);
        break;
      }
    }
    for (const r of recent) out.push({ id: r[0], kind: r[1], start: r[2], end: r[3] });
    return out;
  }

  footageSpans(cameraId: number, from: number, to: number): Interval[] {
    return this.spans.query(cameraId, from, to);
  }

  /**
   * For each moment of `times` (integer ms), the segment whose [start, end)
   * holds it, or null (a gap): one statement for the lot, each moment one
   * descent of the (camera_id, start_ms) index, so a timeline's thumbnails
   * cost one call per camera, not one per thumbnail.
   */
  segmentsAt(cameraId: number, times: readonly number[]): (SegmentBounds | null)[] {
    const out: (SegmentBounds | null)[] = times.map(() => null);
    if (!times.length) return out;
    // One JSON text back, each hit tagged with its moment's index (so order does not matter).
    const hits = JSON.parse(
      this.sql(
        `SELECT json_group_array(json_array(t.key, s.id, s.start_ms, s.end_ms)) FROM json_each(@times) AS t
         JOIN segments AS s ON s.id = (SELECT id FROM segments WHERE camera_id = @camera AND start_ms <= t.value ORDER BY start_ms DESC LIMIT 1)`,
        'value',
      ).get({ camera: cameraId, times: JSON.stringify(times) }) as string,
    ) as [number, number, number, number][];
    for (const [i, id, start, end] of hits) if (end > times[i]) out[i] = { id, start, end };
    return out;
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

  /**
   * First and last moment of footage of a camera, or null when it has none.
   * Spans are disjoint, so the first to end is also the first to start: two
   * index descents, however many spans the camera has.
   */
  footageBounds(cameraId: number): Interval | null {
    const row = this.sql(
      `SELECT (SELECT start_ms FROM footage_spans WHERE camera_id = @camera ORDER BY end_ms LIMIT 1) AS start,
              (SELECT end_ms FROM footage_spans WHERE camera_id = @camera ORDER BY end_ms DESC LIMIT 1) AS "end"`,
    ).get({ camera: cameraId }) as {
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
