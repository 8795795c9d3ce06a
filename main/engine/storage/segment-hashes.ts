/**
 * SHA-256 of recorded segment files (migration 004), taken once and reused by
 * every export. Part of the storage module.
 */
import type { Db } from './database.ts';

export interface SegmentHashRow {
  segmentId: number;
  sha256: string;
  bytes: number;
  mtimeMs: number;
  hashedAt: number;
}

export class SegmentHashes {
  constructor(private readonly db: Db) {}

  get(segmentId: number): SegmentHashRow | null {
    return (
      (this.db
        .prepare('SELECT segment_id AS segmentId, sha256, bytes, mtime_ms AS mtimeMs, hashed_at AS hashedAt FROM segment_hashes WHERE segment_id = ?')
        .get(segmentId) as SegmentHashRow | undefined) ?? null
    );
  }

  /** Records a hash, if the segment still exists. */
  put(row: SegmentHashRow): void {
    this.db
      .prepare(
        `INSERT INTO segment_hashes (segment_id, sha256, bytes, mtime_ms, hashed_at)
         SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM segments WHERE id = ?)
         ON CONFLICT (segment_id) DO UPDATE SET sha256 = excluded.sha256, bytes = excluded.bytes,
           mtime_ms = excluded.mtime_ms, hashed_at = excluded.hashed_at`,
      )
      .run(row.segmentId, row.sha256, row.bytes, Math.round(row.mtimeMs), row.hashedAt, row.segmentId);
  }

  /** Segments without a hash yet, newest first (the ones an export is likeliest to want). */
  missing(limit: number): { id: number; file: string }[] {
    return this.db
      .prepare(
        `SELECT s.id, s.file FROM segments s LEFT JOIN segment_hashes h ON h.segment_id = s.id
         WHERE h.segment_id IS NULL ORDER BY s.start_ms DESC LIMIT ?`,
      )
      .all(limit) as { id: number; file: string }[];
  }
}
