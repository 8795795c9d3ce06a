/**
 * Opens the SQLite index and brings its schema up to date.
 *
 * Migrations are the numbered, commented SQL files in ./schema; the database's
 * `user_version` says how many have run. Each migration runs in a transaction,
 * so a crash mid-migration leaves the previous version intact.
 */
import Database from 'better-sqlite3';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export type Db = Database.Database;
export type Statement = Database.Statement;

/**
 * Prepared statements kept for reuse, by their SQL: compiling costs more
 * than a single-row lookup, and the hot reads (the access check resolving an
 * id to its camera, the timeline) run many times a second. `arrays`: rows as
 * arrays (no object per row); `value`: the first column of the first row.
 * Never for `iterate` (one statement cannot iterate twice at once).
 */
export function statementCache(db: Db): (sql: string, shape?: 'rows' | 'arrays' | 'value') => Statement {
  const statements = new Map<string, Statement>();
  return (sql, shape = 'rows') => {
    let s = statements.get(sql);
    if (!s) {
      s = db.prepare(sql);
      if (shape === 'arrays') s.raw(true);
      if (shape === 'value') s.pluck(true);
      statements.set(sql, s);
    }
    return s;
  };
}

/** Where the .sql files are: beside this module in source, or copied beside the bundle when packaged. */
function schemaDir(): string {
  const candidates = [
    fileURLToPath(new URL('./schema/', import.meta.url)),
    fileURLToPath(new URL('./schema/', new URL('.', import.meta.url))),
    process.env.KEEPWATCH_SCHEMA_DIR ?? '',
  ];
  const found = candidates.find((dir) => dir && existsSync(join(dir, '001_initial.sql')));
  if (!found) throw new Error('Keepwatch schema files are missing (expected schema/001_initial.sql beside the storage module)');
  return found;
}

export function listMigrations(): { version: number; name: string; sql: string }[] {
  const dir = schemaDir();
  return readdirSync(dir)
    .filter((f) => /^\d{3}_.+\.sql$/.test(f))
    .sort()
    .map((name) => ({ version: Number(name.slice(0, 3)), name, sql: readFileSync(join(dir, name), 'utf8') }));
}

export function openDatabase(file: string): Db {
  const db = new Database(file);
  // WAL: readers never block the recorder's inserts; NORMAL sync is safe with WAL
  // (a power cut can lose the last transactions, never corrupt the file), and the
  // footage itself is fsynced before its row is written.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // Another connection (a CLI, a test) may briefly hold the write lock.
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

export function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  const migrations = listMigrations();
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new Error(`this database was written by a newer Keepwatch (schema ${current}, this version knows ${latest})`);
  }
  const pending = migrations.filter((m) => m.version > current);
  if (!pending.length) return;
  // Rebuilding a table (migration 5) drops the old one: with foreign keys on,
  // that would cascade-delete every child row. Keys are off while migrating
  // (the pragma cannot change inside a transaction) and checked before each
  // migration commits.
  const keysWereOn = db.pragma('foreign_keys', { simple: true }) === 1;
  db.pragma('foreign_keys = OFF');
  try {
    for (const m of pending) {
      db.transaction(() => {
        db.exec(m.sql);
        const broken = db.pragma('foreign_key_check') as unknown[];
        if (broken.length) throw new Error(`migration ${m.name} left ${broken.length} broken reference(s); nothing was changed`);
        db.pragma(`user_version = ${m.version}`);
      })();
    }
  } finally {
    if (keysWereOn) db.pragma('foreign_keys = ON');
  }
}
