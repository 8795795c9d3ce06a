/**
 * Keeps `footage_spans` (migration 002) in step with `segments`: per camera,
 * the maximal stretches of time that have footage. Called by the Store inside
 * the transaction that inserts or deletes a segment row, so the two tables
 * never disagree. Every update is a handful of indexed lookups, whatever the
 * length of the span: the timeline never has to merge segment rows at query
 * time.
 */
import type Database from 'better-sqlite3';
import type { Db } from './database.ts';
import { JOIN_TOLERANCE_MS, mergeIntervals, type Interval } from '../timeline/intervals.ts';

type Statement = Database.Statement;

interface SpanRow extends Interval {
  id: number;
}

export class FootageSpans {
  private readonly statements = new Map<string, Statement>();

  constructor(
    private readonly db: Db,
    private readonly tolerance = JOIN_TOLERANCE_MS,
  ) {}

  /** Prepared once, reused: these run inside every segment insert and delete. */
  private sql(text: string): Statement {
    let s = this.statements.get(text);
    if (!s) this.statements.set(text, (s = this.db.prepare(text)));
    return s;
  }

  /**
   * Spans of one camera overlapping [from, to), oldest first. Spans are
   * disjoint, so none after the first one that ends at or after `to` can
   * overlap: bounding `end_ms` by it keeps the index range to the answer,
   * however much footage lies after the window.
   */
  query(cameraId: number, from: number, to: number): Interval[] {
    return this.sql(
        `SELECT start_ms AS start, end_ms AS end FROM footage_spans
         WHERE camera_id = @camera AND end_ms > @from AND start_ms < @to
           AND end_ms <= COALESCE((SELECT end_ms FROM footage_spans WHERE camera_id = @camera AND end_ms >= @to ORDER BY end_ms LIMIT 1), @to)
         ORDER BY start_ms`,
      )
      .all({ camera: cameraId, from, to }) as Interval[];
  }

  /** A segment [start, end) was indexed: union it with every span it touches. */
  added(cameraId: number, start: number, end: number): void {
    const touching = this.touching(cameraId, start, end);
    let lo = start;
    let hi = end;
    for (const s of touching) {
      lo = Math.min(lo, s.start);
      hi = Math.max(hi, s.end);
    }
    this.replace(cameraId, touching, [{ start: lo, end: hi }]);
  }

  /**
   * A segment [start, end) was deleted (its row is already gone): the span
   * holding it shrinks or splits. Its new edges come from the neighbouring
   * segments, found through the (camera_id, start_ms) index.
   */
  removed(cameraId: number, start: number, end: number): void {
    const holding = this.touching(cameraId, start, end, 0);
    if (holding.length !== 1) {
      // Never expected (segments do not overlap), but repair rather than guess.
      this.rebuild(cameraId);
      return;
    }
    const span = holding[0];
    const before = this.sql(
        `SELECT end_ms AS end FROM segments
         WHERE camera_id = ? AND start_ms >= ? AND start_ms < ? ORDER BY start_ms DESC LIMIT 1`,
      )
      .get(cameraId, span.start, start) as { end: number } | undefined;
    const after = this.sql(
        `SELECT start_ms AS start FROM segments
         WHERE camera_id = ? AND start_ms >= ? AND start_ms <= ? ORDER BY start_ms LIMIT 1`,
      )
      .get(cameraId, start, span.end) as { start: number } | undefined;
    const pieces: Interval[] = [];
    if (before && after && after.start - before.end <= this.tolerance) {
      pieces.push({ start: span.start, end: span.end }); // a sliver went; the span holds
    } else {
      if (before) pieces.push({ start: span.start, end: Math.max(span.start, before.end) });
      if (after) pieces.push({ start: after.start, end: span.end });
    }
    this.replace(cameraId, holding, pieces);
  }

  /** Recomputes one camera's spans from its segments (a repair path; O(segments)). */
  rebuild(cameraId: number): void {
    const segments = this.sql('SELECT start_ms AS start, end_ms AS end FROM segments WHERE camera_id = ? ORDER BY start_ms')
      .all(cameraId) as Interval[];
    this.sql('DELETE FROM footage_spans WHERE camera_id = ?').run(cameraId);
    const insert = this.sql('INSERT INTO footage_spans (camera_id, start_ms, end_ms) VALUES (?, ?, ?)');
    for (const s of mergeIntervals(segments, this.tolerance)) insert.run(cameraId, s.start, s.end);
  }

  /** Spans within `tolerance` of [start, end]. */
  private touching(cameraId: number, start: number, end: number, tolerance = this.tolerance): SpanRow[] {
    return this.sql(
        `SELECT id, start_ms AS start, end_ms AS end FROM footage_spans
         WHERE camera_id = ? AND end_ms >= ? AND start_ms <= ? ORDER BY start_ms`,
      )
      .all(cameraId, start - tolerance, end + tolerance) as SpanRow[];
  }

  private replace(cameraId: number, old: SpanRow[], next: Interval[]): void {
    const del = this.sql('DELETE FROM footage_spans WHERE id = ?');
    for (const s of old) del.run(s.id);
    const insert = this.sql('INSERT INTO footage_spans (camera_id, start_ms, end_ms) VALUES (?, ?, ?)');
    for (const s of next) insert.run(cameraId, s.start, s.end);
  }
}
