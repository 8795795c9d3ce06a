/**
 * People in the index (schema/007_users.sql): users, their camera grants,
 * sessions, personal API tokens and the audit log. Part of the storage
 * module: the only SQL for those tables is here. Rules (who may do what,
 * expiry, hashing) live in main/engine/users/; this file only reads and
 * writes rows. Secrets arrive here already hashed.
 */
import type { Db } from './database.ts';

export type UserRole = 'admin' | 'viewer';

export interface UserRow {
  id: number;
  username: string;
  role: UserRole;
  owner: boolean;
  passwordHash: string | null;
  createdAt: number;
  lastLoginAt: number | null;
  passwordChangedAt: number | null;
}

export interface GrantRow {
  userId: number;
  cameraId: number;
  /** Bitmask: 1 live, 2 playback, 4 export, 8 ptz. */
  rights: number;
}

export interface SessionRow {
  id: number;
  userId: number;
  secretHash: Buffer;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  address: string;
  userAgent: string;
}

export interface TokenRow {
  id: number;
  userId: number;
  name: string;
  secretHash: Buffer;
  createdAt: number;
  lastUsedAt: number | null;
}

export interface AuditRow {
  id: number;
  at: number;
  action: string;
  userId: number | null;
  username: string | null;
  cameraId: number | null;
  address: string;
  detail: string;
}

export interface AuditFilter {
  from: number;
  to: number;
  userId?: number;
  cameraId?: number;
  action?: string;
  limit: number;
}

const USER_COLUMNS = `id, username, role, owner, password_hash AS passwordHash, created_at AS createdAt,
  last_login_at AS lastLoginAt, password_changed_at AS passwordChangedAt`;
const SESSION_COLUMNS = `id, user_id AS userId, secret_hash AS secretHash, created_at AS createdAt,
  last_seen_at AS lastSeenAt, expires_at AS expiresAt, address, user_agent AS userAgent`;
const TOKEN_COLUMNS = `id, user_id AS userId, name, secret_hash AS secretHash, created_at AS createdAt, last_used_at AS lastUsedAt`;
const AUDIT_COLUMNS = `id, at, action, user_id AS userId, username, camera_id AS cameraId, address, detail`;

export class UsersIndex {
  constructor(private readonly db: Db) {}

  // ---------------------------------------------------------------- users

  listUsers(): UserRow[] {
    const rows = this.db.prepare(`SELECT ${USER_COLUMNS} FROM users ORDER BY id`).all() as (Omit<UserRow, 'owner'> & { owner: number })[];
    return rows.map((r) => ({ ...r, owner: r.owner === 1 }));
  }

  getUser(id: number): UserRow | null {
    const row = this.db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`).get(id) as (Omit<UserRow, 'owner'> & { owner: number }) | undefined;
    return row ? { ...row, owner: row.owner === 1 } : null;
  }

  /** A new user with its grants, in one transaction. Returns its id. */
  insertUser(u: { username: string; role: UserRole; passwordHash: string; createdAt: number; grants: { cameraId: number; rights: number }[] }): number {
    return this.db.transaction(() => {
      const { lastInsertRowid } = this.db
        .prepare('INSERT INTO users (username, role, owner, password_hash, created_at, password_changed_at) VALUES (?, ?, 0, ?, ?, ?)')
        .run(u.username, u.role, u.passwordHash, u.createdAt, u.createdAt);
      const id = Number(lastInsertRowid);
      this.writeGrants(id, u.grants);
      return id;
    })();
  }

  updateUser(id: number, patch: { username?: string; role?: UserRole; passwordHash?: string; passwordChangedAt?: number }): void {
    const columns = { username: 'username', role: 'role', passwordHash: 'password_hash', passwordChangedAt: 'password_changed_at' } as const;
    const sets: string[] = [];
    const values: unknown[] = [];
    for (const key of Object.keys(columns) as (keyof typeof columns)[]) {
      if (patch[key] === undefined) continue;
      sets.push(`${columns[key]} = ?`);
      values.push(patch[key]);
    }
    if (sets.length) this.db.prepare(`UPDATE users SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
  }

  setLastLogin(id: number, at: number): void {
    this.db.prepare('UPDATE users SET last_login_at = ? WHERE id = ?').run(at, id);
  }

  /** Removes a user; its grants, sessions and tokens go with it (ON DELETE CASCADE). */
  deleteUser(id: number): boolean {
    return this.db.prepare('DELETE FROM users WHERE id = ? AND owner = 0').run(id).changes > 0;
  }

  // ---------------------------------------------------------------- grants

  listGrants(): GrantRow[] {
    return this.db.prepare('SELECT user_id AS userId, camera_id AS cameraId, rights FROM camera_grants ORDER BY user_id, camera_id').all() as GrantRow[];
  }

  /** Replaces every grant of a user. */
  replaceGrants(userId: number, grants: { cameraId: number; rights: number }[]): void {
    this.db.transaction(() => this.writeGrants(userId, grants))();
  }

  private writeGrants(userId: number, grants: { cameraId: number; rights: number }[]): void {
    this.db.prepare('DELETE FROM camera_grants WHERE user_id = ?').run(userId);
    const insert = this.db.prepare('INSERT INTO camera_grants (user_id, camera_id, rights) VALUES (?, ?, ?)');
    for (const g of grants) insert.run(userId, g.cameraId, g.rights);
  }

  // ---------------------------------------------------------------- sessions

  listSessions(): SessionRow[] {
    return this.db.prepare(`SELECT ${SESSION_COLUMNS} FROM sessions ORDER BY id`).all() as SessionRow[];
  }

  insertSession(s: Omit<SessionRow, 'id'>): number {
    const { lastInsertRowid } = this.db
      .prepare('INSERT INTO sessions (user_id, secret_hash, created_at, last_seen_at, expires_at, address, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(s.userId, s.secretHash, s.createdAt, s.lastSeenAt, s.expiresAt, s.address, s.userAgent);
    return Number(lastInsertRowid);
  }

  touchSession(id: number, lastSeenAt: number): void {
    this.db.prepare('UPDATE sessions SET last_seen_at = MAX(last_seen_at, ?) WHERE id = ?').run(lastSeenAt, id);
  }

  deleteSession(id: number): boolean {
    return this.db.prepare('DELETE FROM sessions WHERE id = ?').run(id).changes > 0;
  }

  /** Ends every session of a user but `keep` (null: all). Returns the ids ended. */
  deleteSessionsOf(userId: number, keep: number | null): number[] {
    const rows = this.db
      .prepare('DELETE FROM sessions WHERE user_id = ? AND id IS NOT ? RETURNING id')
      .all(userId, keep) as { id: number }[];
    return rows.map((r) => r.id);
  }

  // ---------------------------------------------------------------- tokens

  listTokens(): TokenRow[] {
    return this.db.prepare(`SELECT ${TOKEN_COLUMNS} FROM api_tokens ORDER BY id`).all() as TokenRow[];
  }

  insertToken(t: Omit<TokenRow, 'id' | 'lastUsedAt'>): number {
    const { lastInsertRowid } = this.db
      .prepare('INSERT INTO api_tokens (user_id, name, secret_hash, created_at) VALUES (?, ?, ?, ?)')
      .run(t.userId, t.name, t.secretHash, t.createdAt);
    return Number(lastInsertRowid);
  }

  touchToken(id: number, lastUsedAt: number): void {
    this.db.prepare('UPDATE api_tokens SET last_used_at = MAX(COALESCE(last_used_at, 0), ?) WHERE id = ?').run(lastUsedAt, id);
  }

  deleteToken(id: number): boolean {
    return this.db.prepare('DELETE FROM api_tokens WHERE id = ?').run(id).changes > 0;
  }

  /** Revokes every token of a user. Returns the ids revoked. */
  deleteTokensOf(userId: number): number[] {
    return (this.db.prepare('DELETE FROM api_tokens WHERE user_id = ? RETURNING id').all(userId) as { id: number }[]).map((r) => r.id);
  }

  // ---------------------------------------------------------------- audit

  insertAudit(e: Omit<AuditRow, 'id'>): number {
    const { lastInsertRowid } = this.db
      .prepare('INSERT INTO audit (at, action, user_id, username, camera_id, address, detail) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(e.at, e.action, e.userId, e.username, e.cameraId, e.address, e.detail);
    return Number(lastInsertRowid);
  }

  /** Entries with from <= at < to, newest first. */
  queryAudit(f: AuditFilter): AuditRow[] {
    const where = ['at >= ?', 'at < ?'];
    const args: unknown[] = [f.from, f.to];
    if (f.userId !== undefined) {
      where.push('user_id = ?');
      args.push(f.userId);
    }
    if (f.cameraId !== undefined) {
      where.push('camera_id = ?');
      args.push(f.cameraId);
    }
    if (f.action !== undefined) {
      where.push('action = ?');
      args.push(f.action);
    }
    return this.db
      .prepare(`SELECT ${AUDIT_COLUMNS} FROM audit WHERE ${where.join(' AND ')} ORDER BY at DESC, id DESC LIMIT ?`)
      .all(...args, f.limit) as AuditRow[];
  }

  /** Drops entries older than `before`. Returns how many. */
  pruneAudit(before: number): number {
    return this.db.prepare('DELETE FROM audit WHERE at < ?').run(before).changes;
  }
}
