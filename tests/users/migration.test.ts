/**
 * Migration 7 on a database written before it: every existing row is kept,
 * the owner appears (id 1, no password), and the new tables follow the
 * identity rules (grants die with their camera and user; ids never reused;
 * audit entries outlive both).
 */
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { listMigrations, openDatabase } from '../../main/engine/storage/database.ts';
import { tempDir } from '../helpers/tmp.ts';

function databaseAtVersion6(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('foreign_keys = ON');
  for (const m of listMigrations().filter((m) => m.version <= 6)) {
    db.exec(m.sql);
    db.pragma(`user_version = ${m.version}`);
  }
  return db;
}

const COUNTED = ['cameras', 'streams', 'runs', 'segments', 'events', 'review_items', 'detection_configs', 'garbage'];

describe('migration 7: users', () => {
  it('keeps every row of a version-6 database and adds the owner', () => {
    const tmp = tempDir('kw-users-mig-');
    const file = join(tmp.dir, 'keepwatch.db');
    const old = databaseAtVersion6(file);
    for (let i = 1; i <= 3; i++) {
      const camera = Number(old.prepare("INSERT INTO cameras (name, source, created_at) VALUES (?, 'rtsp', 1)").run(`cam${i}`).lastInsertRowid);
      const stream = Number(old.prepare("INSERT INTO streams (camera_id, kind, url) VALUES (?, 'main', 'rtsp://127.0.0.1/x')").run(camera).lastInsertRowid);
      const run = Number(old.prepare('INSERT INTO runs (stream_id, started_at) VALUES (?, 1000)').run(stream).lastInsertRowid);
      old.prepare('INSERT INTO segments (camera_id, stream_id, run_id, seq, start_ms, end_ms, bytes, file) VALUES (?, ?, ?, 1, 1000, 2000, 10, ?)').run(camera, stream, run, `c${camera}/1970-01-01/r${run}-000001.mp4`);
      old.prepare("INSERT INTO events (camera_id, kind, start_ms, origin, label) VALUES (?, 'object', 1500, 'detection', 'person')").run(camera);
      old.prepare('INSERT INTO review_items (camera_id, start_ms, end_ms) VALUES (?, 1500, 1600)').run(camera);
      old.prepare("INSERT INTO detection_configs (camera_id, config, updated_at) VALUES (?, '{}', 1)").run(camera);
    }
    old.prepare("INSERT INTO garbage (file, queued_at) VALUES ('c9/old.mp4', 1)").run();
    const before = Object.fromEntries(COUNTED.map((t) => [t, old.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all()]));
    old.close();

    const db = openDatabase(file);
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(listMigrations().at(-1)!.version);
      expect(listMigrations().map((m) => m.version)).toContain(7);
      for (const t of COUNTED) expect(db.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all(), t).toEqual(before[t]);
      expect(db.pragma('foreign_key_check')).toEqual([]);
      expect(db.prepare('SELECT id, username, role, owner, password_hash AS hash FROM users').all()).toEqual([{ id: 1, username: 'owner', role: 'admin', owner: 1, hash: null }]);

      // The owner stays an admin and stays the only owner.
      expect(() => db.prepare("UPDATE users SET role = 'viewer' WHERE id = 1").run()).toThrow(/CHECK/);
      expect(() => db.prepare("INSERT INTO users (username, role, owner, created_at) VALUES ('x', 'admin', 1, 1)").run()).toThrow(/UNIQUE/);
      expect(() => db.prepare("INSERT INTO users (username, role, created_at) VALUES ('OWNER', 'admin', 1)").run()).toThrow(/UNIQUE/);

      // Grants die with their camera; audit entries outlive users and cameras; user ids are never reused.
      const anna = Number(db.prepare("INSERT INTO users (username, role, created_at) VALUES ('anna', 'viewer', 1)").run().lastInsertRowid);
      db.prepare('INSERT INTO camera_grants (user_id, camera_id, rights) VALUES (?, 1, 3), (?, 2, 15)').run(anna, anna);
      db.prepare("INSERT INTO audit (at, action, user_id, username, camera_id) VALUES (1, 'live', ?, 'anna', 1)").run(anna);
      db.prepare('DELETE FROM cameras WHERE id = 1').run();
      expect(db.prepare('SELECT camera_id AS c FROM camera_grants').all()).toEqual([{ c: 2 }]);
      expect(() => db.prepare('INSERT INTO camera_grants (user_id, camera_id, rights) VALUES (?, 99, 1)').run(anna)).toThrow(/FOREIGN KEY/);
      expect(() => db.prepare('INSERT INTO camera_grants (user_id, camera_id, rights) VALUES (?, 3, 0)').run(anna)).toThrow(/CHECK/);
      db.prepare('DELETE FROM users WHERE id = ?').run(anna);
      expect(db.prepare('SELECT COUNT(*) AS n FROM camera_grants').get()).toEqual({ n: 0 });
      expect(db.prepare('SELECT user_id AS u, camera_id AS c FROM audit').all()).toEqual([{ u: anna, c: 1 }]);
      expect(Number(db.prepare("INSERT INTO users (username, role, created_at) VALUES ('bob', 'viewer', 1)").run().lastInsertRowid)).toBe(anna + 1);
    } finally {
      db.close();
      tmp.cleanup();
    }
  });
});
