/**
 * Thumbnail JPEGs on disk and their rows (migration 002). Part of the storage
 * module: the only code that writes into the recordings folder.
 *
 * A thumbnail lives beside its segment (segment-naming.ts; the segment-file
 * pattern does not match it, so reconciliation never takes it for footage).
 * Crash rules, like segments:
 *  - the JPEG is written to a .tmp name, fsynced, renamed, the folder fsynced,
 *    and only then is its row inserted;
 *  - the row is inserted only if its segment still exists, in one synchronous
 *    step, so a thumbnail never outlives a segment that retention just removed
 *    (a thumbnail made for a segment deleted meanwhile is dropped, its file too);
 *  - deleting a segment queues its thumbnails' files in `garbage` in the same
 *    transaction (Store.deleteSegments / forgetSegments / deleteCamera);
 *  - a JPEG or .tmp left without a row by a crash is swept at start-up.
 */
import type { Db } from './database.ts';
import type { SegmentFiles } from './segment-files.ts';
import { CAMERA_FOLDER, DAY_FOLDER, THUMBNAIL_NAME, thumbnailFileFor } from './segment-naming.ts';

export interface ThumbnailRow {
  segmentId: number;
  slot: number;
  offsetMs: number;
  file: string;
  bytes: number;
}

export class ThumbnailFiles {
  constructor(
    private readonly db: Db,
    private readonly files: SegmentFiles,
  ) {}

  get(segmentId: number, slot: number): ThumbnailRow | null {
    return (
      (this.db
        .prepare('SELECT segment_id AS segmentId, slot, offset_ms AS offsetMs, file, bytes FROM thumbnails WHERE segment_id = ? AND slot = ?')
        .get(segmentId, slot) as ThumbnailRow | undefined) ?? null
    );
  }

  /**
   * Stores a JPEG for (segment, slot). Returns its row, or null when the
   * segment was deleted meanwhile (the file is then removed again).
   */
  async save(segment: { id: number; file: string }, slot: number, offsetMs: number, jpeg: Buffer): Promise<ThumbnailRow | null> {
    if (!this.segmentExists(segment.id)) return null; // deleted while the picture was being made: nothing to write
    const rel = thumbnailFileFor(segment.file, slot);
    await this.files.writeDurably(rel, jpeg);
    const row: ThumbnailRow = { segmentId: segment.id, slot, offsetMs, file: rel, bytes: jpeg.length };
    // Checked again in the same synchronous step as the insert: retention may have run while the file was written.
    const inserted = this.db.open && this.db.transaction(() => {
      if (!this.segmentExists(segment.id)) return false;
      this.db
        .prepare('INSERT OR REPLACE INTO thumbnails (segment_id, slot, offset_ms, file, bytes) VALUES (?, ?, ?, ?, ?)')
        .run(row.segmentId, row.slot, row.offsetMs, row.file, row.bytes);
      return true;
    })();
    if (!inserted) {
      await this.files.unlink(rel);
      return null;
    }
    return row;
  }

  private segmentExists(id: number): boolean {
    return this.db.open && Boolean(this.db.prepare('SELECT 1 FROM segments WHERE id = ?').get(id));
  }

  /** Removes thumbnail files (and .tmp leftovers) that have no row. Run before any thumbnail is generated. */
  async sweepLeftovers(): Promise<number> {
    const known = new Set((this.db.prepare('SELECT file FROM thumbnails').all() as { file: string }[]).map((r) => r.file));
    let removed = 0;
    for (const cam of await this.files.readdir('')) {
      if (!CAMERA_FOLDER.test(cam)) continue;
      for (const day of await this.files.readdir(cam)) {
        if (!DAY_FOLDER.test(day)) continue;
        for (const f of await this.files.readdir(`${cam}/${day}`)) {
          if (!THUMBNAIL_NAME.test(f)) continue;
          const rel = `${cam}/${day}/${f}`;
          if (known.has(rel)) continue;
          await this.files.unlink(rel);
          removed++;
        }
      }
    }
    return removed;
  }
}
