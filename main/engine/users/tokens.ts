/**
 * Personal API tokens (`Authorization: Bearer kwt_…`), held in memory by the
 * SHA-256 of the token like sessions (./sessions.ts): recognising one is a
 * hash and a lookup. A token is shown once, when made, and never stored; it
 * acts with its user's current rights until revoked, or until its user's
 * password changes or the user is removed. "Last used" is written at most
 * once a minute.
 */
import type { TokenRow, UsersIndex } from '../storage/users-index.ts';
import { looksLikeToken, newToken, secretHash, type RandomBytes } from './secrets.ts';
import { TOUCH_WRITE_MS } from './sessions.ts';
import { SecretKeyed } from './secret-keyed.ts';

/** Tokens one user may hold. */
export const MAX_TOKENS_PER_USER = 50;

export interface Token {
  id: number;
  userId: number;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

interface Entry extends Token {
  key: string;
  writtenUsedAt: number | null;
}

export class TokenTable {
  private readonly entries = new SecretKeyed<Entry>();

  constructor(
    private readonly index: UsersIndex,
    private readonly now: () => number,
    private readonly random?: RandomBytes,
  ) {
    for (const row of index.listTokens()) this.add(row);
  }

  count(userId: number): number {
    return this.entries.ofUser(userId).length;
  }

  /** A new token; the secret is returned here and nowhere else. */
  create(userId: number, name: string): { token: Token; secret: string } {
    const secret = newToken(this.random);
    const row = { userId, name, secretHash: secretHash(secret), createdAt: this.now() };
    const id = this.index.insertToken(row);
    return { token: publicOf(this.add({ ...row, id, lastUsedAt: null })), secret };
  }

  /** The token of a secret (noting its use), or null. */
  authenticate(secret: string): Token | null {
    if (!looksLikeToken(secret)) return null;
    const entry = this.entries.bySecretHash(secretHash(secret).toString('hex'));
    if (!entry) return null;
    const now = this.now();
    entry.lastUsedAt = Math.max(entry.lastUsedAt ?? 0, now);
    if (entry.writtenUsedAt === null || entry.lastUsedAt - entry.writtenUsedAt >= TOUCH_WRITE_MS) {
      this.index.touchToken(entry.id, entry.lastUsedAt);
      entry.writtenUsedAt = entry.lastUsedAt;
    }
    return publicOf(entry);
  }

  get(id: number): Token | null {
    const entry = this.entries.get(id);
    return entry ? publicOf(entry) : null;
  }

  list(userId: number | null): Token[] {
    return this.entries.ofUser(userId).map(publicOf);
  }

  /** Revokes a token. Returns whether it existed. */
  end(id: number): boolean {
    const entry = this.entries.get(id);
    if (entry) this.entries.forget(entry);
    return this.index.deleteToken(id) || entry !== undefined;
  }

  /** Revokes every token of a user. Returns the ids revoked. */
  endAllOf(userId: number): number[] {
    const ended = this.index.deleteTokensOf(userId);
    this.dropUser(userId);
    return ended;
  }

  /** Forgets a removed user's tokens (the index dropped them with the user). */
  dropUser(userId: number): number[] {
    return this.entries.dropUser(userId);
  }

  /** Writes pending "last used" times (shutdown). */
  flush(): void {
    for (const entry of this.entries.all()) {
      if (entry.lastUsedAt !== null && entry.lastUsedAt !== entry.writtenUsedAt) {
        this.index.touchToken(entry.id, entry.lastUsedAt);
        entry.writtenUsedAt = entry.lastUsedAt;
      }
    }
  }

  private add(row: TokenRow): Entry {
    const key = row.secretHash.toString('hex');
    return this.entries.add({ id: row.id, userId: row.userId, name: row.name, createdAt: row.createdAt, lastUsedAt: row.lastUsedAt, key, writtenUsedAt: row.lastUsedAt });
  }
}

function publicOf(e: Entry): Token {
  return { id: e.id, userId: e.userId, name: e.name, createdAt: e.createdAt, lastUsedAt: e.lastUsedAt };
}
