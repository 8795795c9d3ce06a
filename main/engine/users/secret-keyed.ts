/**
 * What sessions and personal tokens have in common: entries held in memory,
 * found by the SHA-256 of their secret (recognising a caller is a hash and a
 * lookup) or by id, and belonging to one user. ./sessions.ts and ./tokens.ts
 * add what differs: expiry, limits, and which "last seen/used" time is kept.
 */
export interface SecretKeyedEntry {
  id: number;
  userId: number;
  /** Hex SHA-256 of the secret. */
  key: string;
}

export class SecretKeyed<E extends SecretKeyedEntry> {
  private readonly byKey = new Map<string, E>();
  private readonly byId = new Map<number, E>();

  add(entry: E): E {
    this.byKey.set(entry.key, entry);
    this.byId.set(entry.id, entry);
    return entry;
  }

  forget(entry: E): void {
    this.byKey.delete(entry.key);
    this.byId.delete(entry.id);
  }

  bySecretHash(key: string): E | undefined {
    return this.byKey.get(key);
  }

  get(id: number): E | undefined {
    return this.byId.get(id);
  }

  all(): E[] {
    return [...this.byId.values()];
  }

  /** One user's entries (null: everyone's). */
  ofUser(userId: number | null): E[] {
    return this.all().filter((e) => userId === null || e.userId === userId);
  }

  /** Forgets every entry of a user (the index dropped or deleted them). Returns their ids. */
  dropUser(userId: number): number[] {
    const gone = this.ofUser(userId);
    for (const entry of gone) this.forget(entry);
    return gone.map((e) => e.id);
  }
}
