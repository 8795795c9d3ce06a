/**
 * Every user and its grants, in memory: loaded from the index at start and
 * written through on every change, so deciding who a caller is and what it
 * may do never reads the database. A user's grant map is replaced, never
 * mutated, so a Caller made earlier keeps the rights it was made with until
 * it is re-checked.
 */
import type { User } from '../../../preload/api.ts';
import type { UserRole, UserRow, UsersIndex } from '../storage/users-index.ts';
import { toGrantList, toGrantMap, type GrantMap } from './grants.ts';

export interface Account {
  readonly id: number;
  readonly username: string;
  readonly role: UserRole;
  readonly owner: boolean;
  readonly passwordHash: string | null;
  readonly createdAt: number;
  readonly lastLoginAt: number | null;
  readonly passwordChangedAt: number | null;
  readonly grants: GrantMap;
}

/** How names are compared: "Anna" and "anna" are one user (Unicode too, not only ASCII). */
export function nameKey(username: string): string {
  return username.normalize('NFC').trim().toLowerCase();
}

export class UserDirectory {
  private readonly byId = new Map<number, Account>();

  constructor(private readonly index: UsersIndex) {
    const grants = new Map<number, { cameraId: number; rights: number }[]>();
    for (const g of index.listGrants()) {
      let list = grants.get(g.userId);
      if (!list) grants.set(g.userId, (list = []));
      list.push(g);
    }
    for (const row of index.listUsers()) this.byId.set(row.id, accountOf(row, toGrantMap(grants.get(row.id) ?? [])));
  }

  get(id: number): Account | null {
    return this.byId.get(id) ?? null;
  }

  byName(username: string): Account | null {
    const k = nameKey(username);
    for (const a of this.byId.values()) if (nameKey(a.username) === k) return a;
    return null;
  }

  owner(): Account {
    for (const a of this.byId.values()) if (a.owner) return a;
    // Migration 7 makes the owner and nothing removes it.
    throw new Error('the owner account is missing from the index');
  }

  all(): Account[] {
    return [...this.byId.values()].sort((a, b) => a.id - b.id);
  }

  /** Replaces the cached account after its rows were written. */
  put(account: Account): Account {
    this.byId.set(account.id, account);
    return account;
  }

  /** Re-reads one user from the index (after a write). */
  reload(id: number, grants?: GrantMap): Account | null {
    const row = this.index.getUser(id);
    if (!row) {
      this.byId.delete(id);
      return null;
    }
    return this.put(accountOf(row, grants ?? this.byId.get(id)?.grants ?? new Map()));
  }

  delete(id: number): void {
    this.byId.delete(id);
  }
}

function accountOf(row: UserRow, grants: GrantMap): Account {
  return { ...row, grants };
}

/** The contract's view of an account: no hash, grants as a list. */
export function userOf(a: Account): User {
  return {
    id: a.id,
    username: a.username,
    role: a.role,
    owner: a.owner,
    cameras: toGrantList(a.grants),
    createdAt: a.createdAt,
    lastLoginAt: a.lastLoginAt,
    hasPassword: a.passwordHash !== null,
  };
}
