/**
 * Sessions (the `kw_session` cookie), held in memory by the SHA-256 of their
 * secret so that recognising one costs a hash and a map lookup, never a
 * database read. Loaded from the index at start; every creation and end is
 * written through at once; "last seen" is written at most once a minute per
 * session (it only serves idle expiry and the owner's list).
 *
 * A session ends when idle for `idleMs`, at its absolute expiry (`maxMs`
 * after login) however active it is, on logout, on revocation, and when its
 * user's password changes or the user is removed.
 */
import type { SessionRow, UsersIndex } from '../storage/users-index.ts';
import { looksLikeSessionSecret, newSessionSecret, secretHash, type RandomBytes } from './secrets.ts';
import { SecretKeyed } from './secret-keyed.ts';

export const DEFAULT_SESSION_IDLE_MS = 14 * 24 * 3600_000;
export const DEFAULT_SESSION_MAX_MS = 30 * 24 * 3600_000;
/** "Last seen" is written to the index at most this often per session. */
export const TOUCH_WRITE_MS = 60_000;
/** Sessions one user may hold; a new login beyond it ends that user's least recently seen one. */
export const MAX_SESSIONS_PER_USER = 100;

export interface Session {
  id: number;
  userId: number;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  address: string;
  userAgent: string;
}

interface Entry extends Session {
  key: string;
  writtenSeenAt: number;
}

export class SessionTable {
  private readonly entries = new SecretKeyed<Entry>();

  constructor(
    private readonly index: UsersIndex,
    private readonly now: () => number,
    private readonly idleMs: number,
    private readonly maxMs: number,
    private readonly random?: RandomBytes,
  ) {
    for (const row of index.listSessions()) this.add(row);
    this.sweep();
  }

  /** A new session of `userId`; the secret is returned here and nowhere else. */
  create(userId: number, meta: { address: string; userAgent: string }): { session: Session; secret: string } {
    const mine = this.entries.ofUser(userId);
    if (mine.length >= MAX_SESSIONS_PER_USER) {
      mine.sort((a, b) => a.lastSeenAt - b.lastSeenAt);
      for (const s of mine.slice(0, mine.length - MAX_SESSIONS_PER_USER + 1)) this.end(s.id);
    }
    const secret = newSessionSecret(this.random);
    const now = this.now();
    const row: Omit<SessionRow, 'id'> = {
      userId,
      secretHash: secretHash(secret),
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + this.maxMs,
      address: meta.address.slice(0, 200),
      userAgent: meta.userAgent.slice(0, 500),
    };
    const id = this.index.insertSession(row);
    return { session: publicOf(this.add({ ...row, id })), secret };
  }

  /** The live session of a secret (touching it), or null: unknown, malformed, idle too long or past its expiry. */
  authenticate(secret: string): Session | null {
    if (!looksLikeSessionSecret(secret)) return null;
    const entry = this.entries.bySecretHash(secretHash(secret).toString('hex'));
    if (!entry || !this.alive(entry)) return null;
    const now = this.now();
    if (now > entry.lastSeenAt) entry.lastSeenAt = now;
    if (entry.lastSeenAt - entry.writtenSeenAt >= TOUCH_WRITE_MS) {
      this.index.touchSession(entry.id, entry.lastSeenAt);
      entry.writtenSeenAt = entry.lastSeenAt;
    }
    return publicOf(entry);
  }

  /** A live session by id (without touching it), or null. */
  get(id: number): Session | null {
    const entry = this.entries.get(id);
    return entry && this.alive(entry) ? publicOf(entry) : null;
  }

  /** Live sessions of a user (null: of everyone), oldest first. */
  list(userId: number | null): Session[] {
    this.sweep();
    return this.entries.ofUser(userId).map(publicOf);
  }

  /** Ends a session. Returns whether it existed. */
  end(id: number): boolean {
    const entry = this.entries.get(id);
    if (entry) this.entries.forget(entry);
    return this.index.deleteSession(id) || entry !== undefined;
  }

  /** Ends every session of a user except `keep`. Returns the ids ended. */
  endAllOf(userId: number, keep: number | null = null): number[] {
    const ended = this.index.deleteSessionsOf(userId, keep);
    for (const entry of this.entries.ofUser(userId)) if (entry.id !== keep) this.entries.forget(entry);
    return ended;
  }

  /** Forgets a removed user's sessions (the index dropped them with the user). */
  dropUser(userId: number): number[] {
    return this.entries.dropUser(userId);
  }

  /** Writes pending "last seen" times (shutdown). */
  flush(): void {
    for (const entry of this.entries.all()) {
      if (entry.lastSeenAt > entry.writtenSeenAt) {
        this.index.touchSession(entry.id, entry.lastSeenAt);
        entry.writtenSeenAt = entry.lastSeenAt;
      }
    }
  }

  /** Ends every expired session. */
  sweep(): void {
    for (const entry of this.entries.all()) this.alive(entry);
  }

  /** Whether a session is still valid; an expired one is ended here. */
  private alive(entry: Entry): boolean {
    const now = this.now();
    if (now < entry.expiresAt && now - entry.lastSeenAt < this.idleMs) return true;
    this.entries.forget(entry);
    this.index.deleteSession(entry.id);
    return false;
  }

  private add(row: SessionRow): Entry {
    return this.entries.add({
      id: row.id,
      userId: row.userId,
      createdAt: row.createdAt,
      lastSeenAt: row.lastSeenAt,
      expiresAt: row.expiresAt,
      address: row.address,
      userAgent: row.userAgent,
      key: row.secretHash.toString('hex'),
      writtenSeenAt: row.lastSeenAt,
    });
  }
}

function publicOf(e: Entry): Session {
  return { id: e.id, userId: e.userId, createdAt: e.createdAt, lastSeenAt: e.lastSeenAt, expiresAt: e.expiresAt, address: e.address, userAgent: e.userAgent };
}
