/**
 * Migration 5: ids are never reused. A database written before it (ids
 * handed out again after the newest row was deleted) is migrated with every
 * row, id and reference intact, and from then on a deleted camera's id, and
 * the ids of its streams, runs, segments and events, never come back.
 */
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { listMigrations, openDatabase } from '../../main/engine/storage/database.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmpDir = (prefix: string) => tempDir(prefix).dir;

function databaseAtVersion4(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('foreign_keys = ON');
  for (const m of listMigrations().filter((m) => m.version <= 4)) {
    db.exec(m.sql);
    db.pragma(`user_version = ${m.version}`);
  }
  return db;
}

function seedCamera(db: Database.Database, name: string): { camera: number; segment: number; event: number } {
  const camera = Number(db.prepare("INSERT INTO cameras (name, source, created_at) VALUES (?, 'rtsp', 1)").run(name).lastInsertRowid);
  const stream = Number(db.prepare("INSERT INTO streams (camera_id, kind, url) VALUES (?, 'main', 'rtsp://127.0.0.1/x')").run(camera).lastInsertRowid);
  const run = Number(db.prepare('INSERT INTO runs (stream_id, started_at) VALUES (?, 1000)').run(stream).lastInsertRowid);
  const segment = Number(
    db
      .prepare('INSERT INTO segments (camera_id, stream_id, run_id, seq, start_ms, end_ms, bytes, file) VALUES (?, ?, ?, 1, 1000, 2000, 10, ?)')
      .run(camera, stream, run, `c${camera}/1970-01-01/r${run}-000001.mp4`).lastInsertRowid,
  );
  db.prepare("INSERT INTO thumbnails (segment_id, slot, offset_ms, file, bytes) VALUES (?, 0, 0, ?, 5)").run(segment, `c${camera}/t${segment}.jpg`);
  const event = Number(db.prepare("INSERT INTO events (camera_id, kind, start_ms) VALUES (?, 'motion', 1500)").run(camera).lastInsertRowid);
  db.prepare("INSERT INTO early_deletions (at_ms, camera_id, segments, bytes, oldest_ms, reason) VALUES (1, ?, 1, 1, 1, 'budget')").run(camera);
  return { camera, segment, event };
}

describe('migration 5: ids are never reused', () => {
  it('keeps every row and reference, and never hands a deleted id out again', () => {
    const file = join(tmpDir('kw-idmig-'), 'keepwatch.db');
    const old = databaseAtVersion4(file);
    const a = seedCamera(old, 'A');
    const b = seedCamera(old, 'B');
    const c = seedCamera(old, 'C');
    // The reuse bug as it was: delete the newest camera, add another, same id.
    old.prepare('DELETE FROM cameras WHERE id = ?').run(c.camera);
    const reused = seedCamera(old, 'C2');
    expect(reused.camera).toBe(c.camera);
    // Then that one goes too, leaving only its early-deletion row behind (no foreign key before 5).
    old.prepare('DELETE FROM cameras WHERE id = ?').run(reused.camera);
    // Footage of a camera 9 deleted long ago is still queued for unlinking.
    old.prepare("INSERT INTO garbage (file, queued_at) VALUES ('c9/1970-01-01/r40-000001.mp4', 1)").run();
    old.close();

    const db = openDatabase(file);
    expect(db.pragma('user_version', { simple: true })).toBe(listMigrations().at(-1)!.version);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.prepare('SELECT id, name FROM cameras ORDER BY id').all()).toEqual([
      { id: a.camera, name: 'A' },
      { id: b.camera, name: 'B' },
    ]);
    expect(db.prepare('SELECT COUNT(*) AS n FROM segments').get()).toEqual({ n: 2 });
    expect(db.prepare('SELECT COUNT(*) AS n FROM thumbnails').get()).toEqual({ n: 2 });
    expect(db.prepare('SELECT COUNT(*) AS n FROM events').get()).toEqual({ n: 2 });
    // Early deletions of cameras that no longer exist are gone; the others stay.
    expect(db.prepare('SELECT camera_id AS c FROM early_deletions ORDER BY c').all()).toEqual([{ c: a.camera }, { c: b.camera }]);
    expect(db.pragma('foreign_key_check')).toEqual([]);

    // A new camera never takes an id that was ever used, even one only early_deletions remembered.
    const next = seedCamera(db, 'D');
    expect(next.camera).toBe(10);
    expect(next.segment).toBeGreaterThan(reused.segment);
    expect(next.event).toBeGreaterThan(reused.event);
    // Delete the newest and add again: still a fresh id for everything.
    db.prepare('DELETE FROM cameras WHERE id = ?').run(next.camera);
    const after = seedCamera(db, 'E');
    expect(after.camera).toBe(next.camera + 1);
    expect(after.segment).toBe(next.segment + 1);
    expect(after.segment).toBeGreaterThan(next.segment);
    expect(after.event).toBeGreaterThan(next.event);
    // Deleting a camera takes its early deletions with it.
    db.prepare('DELETE FROM cameras WHERE id = ?').run(a.camera);
    expect(db.prepare('SELECT COUNT(*) AS n FROM early_deletions WHERE camera_id = ?').get(a.camera)).toEqual({ n: 0 });
    db.close();
  });

  it('migrates an empty database', () => {
    const file = join(tmpDir('kw-idmig-'), 'keepwatch.db');
    databaseAtVersion4(file).close();
    const db = openDatabase(file);
    expect(seedCamera(db, 'first').camera).toBe(1);
    db.close();
  });
});
