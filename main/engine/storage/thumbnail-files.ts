/**
 * Thumbnail JPEGs on disk and their rows (migration 002). Part of the storage
 * module: the only code that writes into the recordings folder.
 *
 * A thumbnail lives beside its segment: c<camera>/<day>/r<run>-<seq>.t<slot>.jpg
 * (the segment-file pattern does not match it, so reconciliation never takes
 * it for footage). Crash rules, like segments:
 *  - the JPEG is written to a .tmp name, fsynced, renamed, the folder fsynced,
 *    and only then is its row inserted;
 *  - the row is inserted only if its segment still exists, in one synchronous
 *    step, so a thumbnail never outlives a segment that retention just removed;
 *  - deleting a segment queues its thumbnails' files in `garbage` in the same
 *    transaction (Store.deleteSegments / forgetSegments / deleteCamera);
 *  - a JPEG or .tmp left without a row by a crash is swept at start-up.
 */
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Db } from './database.ts';

export interface ThumbnailRow {
  segmentId: number;
  slot: number;
  offsetMs: number;
  file: string;
  bytes: number;
}

/** r<run>-<seq>.t<slot>.jpg, and the .tmp it is written as first. */
const THUMBNAIL_NAME = /^r\d+-\d{6}\.t\d+\.jpg(\.tmp)?$/;

export function thumbnailFileFor(segmentFile: string, slot: number): string {
  if (!/\.mp4$/.test(segmentFile)) throw new Error(`not a segment file: ${segmentFile}`);
  return segmentFile.replace(/\.mp4$/, `.t${slot}.jpg`);
}

export class ThumbnailFiles {
  constructor(
    private readonly db: Db,
    private readonly absolutePath: (rel: string) => string,
    private readonly recordingsRoot: string,
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
  save(segment: { id: number; file: string }, slot: number, offsetMs: number, jpeg: Buffer): ThumbnailRow | null {
    const rel = thumbnailFileFor(segment.file, slot);
    const abs = this.absolutePath(rel);
    const tmp = `${abs}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      let off = 0;
      while (off < jpeg.length) off += writeSync(fd, jpeg, off, jpeg.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, abs);
    const dir = openSync(dirname(abs), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
    const row: ThumbnailRow = { segmentId: segment.id, slot, offsetMs, file: rel, bytes: jpeg.length };
    const inserted = this.db.transaction(() => {
      if (!this.db.prepare('SELECT 1 FROM segments WHERE id = ?').get(segment.id)) return false;
      this.db
        .prepare('INSERT OR REPLACE INTO thumbnails (segment_id, slot, offset_ms, file, bytes) VALUES (?, ?, ?, ?, ?)')
        .run(row.segmentId, row.slot, row.offsetMs, row.file, row.bytes);
      return true;
    })();
    if (!inserted) {
      unlinkQuietly(abs);
      return null;
    }
    return row;
  }

  /** Removes thumbnail files (and .tmp leftovers) that have no row. Run before any thumbnail is generated. */
  sweepLeftovers(): number {
    const known = new Set((this.db.prepare('SELECT file FROM thumbnails').all() as { file: string }[]).map((r) => r.file));
    let removed = 0;
    for (const cam of safeReaddir(this.recordingsRoot)) {
      if (!/^c\d+$/.test(cam)) continue;
      for (const day of safeReaddir(join(this.recordingsRoot, cam))) {
        if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) continue;
        for (const f of safeReaddir(join(this.recordingsRoot, cam, day))) {
          if (!THUMBNAIL_NAME.test(f)) continue;
          const rel = `${cam}/${day}/${f}`;
          if (known.has(rel)) continue;
          unlinkQuietly(this.absolutePath(rel));
          removed++;
        }
      }
    }
    return removed;
  }

  count(): { files: number; bytes: number } {
    return this.db.prepare('SELECT COUNT(*) AS files, COALESCE(SUM(bytes), 0) AS bytes FROM thumbnails').get() as { files: number; bytes: number };
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
