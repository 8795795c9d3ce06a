/**
 * Account changes made by admins: create, update (role, grants, password),
 * remove, and setting a password. Each checks, hashes outside any lock
 * (asynchronously), checks again, writes the index and the in-memory
 * directory together, ends what must end, records the audit entry and
 * reports whose rights changed.
 *
 * Rules: usernames are unique without regard to case; a grant must name an
 * existing camera; the owner cannot be removed or demoted, and only the
 * owner may set the owner's password. An admin may remove or demote itself
 * (unless it is the owner): the owner always remains an admin.
 */
import type { Grant, Role } from '../../../preload/api.ts';
import { ApiFailure, conflict, invalid, notFound } from '../errors.ts';
import type { Store } from '../storage/store.ts';
import type { Caller } from '../access/caller.ts';
import type { AuditLog } from './audit-log.ts';
import { hashPassword, passwordProblem, type PasswordCost } from './passwords.ts';
import type { SessionTable } from './sessions.ts';
import type { TokenTable } from './tokens.ts';
import { nameKey, userOf, type Account, type UserDirectory } from './user-directory.ts';
import { describeGrants, normaliseGrants, toGrantMap } from './grants.ts';
import type { User } from '../../../preload/api.ts';

/** A parsed CreateUserInput (preload/contract/users.ts). */
export interface CreateUser {
  username: string;
  password: string;
  role: Role;
  cameras: (number | Grant)[];
}

/** A parsed UpdateUserInput. */
export interface UpdateUser {
  id: number;
  role?: Role;
  cameras?: (number | Grant)[];
  password?: string;
}

export interface AccountsDeps {
  store: Store;
  directory: UserDirectory;
  sessions: SessionTable;
  tokens: TokenTable;
  audit: AuditLog;
  cost: PasswordCost;
  now: () => number;
  /** A user's rights changed, or its sessions or tokens ended. */
  changed(userId: number): void;
  /** The owner got a password: first-run setup is no longer needed. */
  ownerHasPassword(): void;
}

export class Accounts {
  constructor(private readonly d: AccountsDeps) {}

  async create(input: CreateUser, actor: Caller): Promise<User> {
    const username = input.username.normalize('NFC').trim();
    this.checkNameFree(username, null);
    const problem = passwordProblem(input.password, username);
    if (problem) throw invalid(problem);
    const grants = this.checkedGrants(input.cameras);
    const hash = await hashPassword(input.password, this.d.cost);
    // The world may have moved while hashing: check again before writing.
    this.checkNameFree(username, null);
    this.checkedGrants(input.cameras);
    let id: number;
    try {
      id = this.d.store.users.insertUser({ username, role: input.role, passwordHash: hash, createdAt: this.d.now(), grants });
    } catch (err) {
      if (/UNIQUE/.test((err as Error).message)) throw conflict(`a user named "${username}" already exists`);
      throw err;
    }
    const account = this.d.directory.reload(id, toGrantMap(grants))!;
    this.d.audit.recordFor(actor, 'user-created', null, `${username}: ${input.role}; cameras ${describeGrants(account.grants)}`);
    return userOf(account);
  }

  async update(input: UpdateUser, actor: Caller): Promise<User> {
    const before = this.existing(input.id);
    if (input.role !== undefined && before.owner && input.role !== 'admin') throw conflict('the owner cannot be demoted');
    if (input.password !== undefined) {
      if (before.owner && !actor.owner) throw new ApiFailure('forbidden', "only the owner may change the owner's password");
      const problem = passwordProblem(input.password, before.username);
      if (problem) throw invalid(problem);
    }
    const grants = input.cameras === undefined ? null : this.checkedGrants(input.cameras);
    const hash = input.password === undefined ? null : await hashPassword(input.password, this.d.cost);
    const current = this.existing(input.id);
    if (input.cameras !== undefined) this.checkedGrants(input.cameras);
    const now = this.d.now();
    this.d.store.transaction(() => {
      this.d.store.users.updateUser(current.id, { role: input.role, ...(hash ? { passwordHash: hash, passwordChangedAt: now } : {}) });
      if (grants) this.d.store.users.replaceGrants(current.id, grants);
    });
    if (hash) this.endEverything(current.id, null);
    const after = this.d.directory.reload(current.id, grants ? toGrantMap(grants) : current.grants)!;
    if (hash && after.owner) this.d.ownerHasPassword();

    const changes: string[] = [];
    if (input.role !== undefined && input.role !== current.role) changes.push(`role ${current.role} → ${input.role}`);
    const [was, is] = [describeGrants(current.grants), describeGrants(after.grants)];
    if (grants && was !== is) changes.push(`cameras ${was} → ${is}`);
    if (changes.length) this.d.audit.recordFor(actor, 'user-changed', null, `${after.username}: ${changes.join('; ')}`);
    if (hash) this.d.audit.recordFor(actor, 'password-changed', null, `${after.username}: every session and token ended`);
    if (changes.length || hash) this.d.changed(after.id);
    return userOf(after);
  }

  remove(id: number, actor: Caller): { removed: number } {
    const account = this.existing(id);
    if (account.owner) throw conflict('the owner cannot be removed');
    this.d.store.users.deleteUser(id);
    this.d.sessions.dropUser(id);
    this.d.tokens.dropUser(id);
    this.d.directory.delete(id);
    this.d.audit.recordFor(actor, 'user-removed', null, account.username);
    this.d.changed(id);
    return { removed: id };
  }

  /**
   * Sets a user's own password (the caller was checked already): every other
   * session (all but `keepSession`) and every token of the user end.
   */
  async setPassword(userId: number, password: string, keepSession: number | null, actor: Caller): Promise<void> {
    const hash = await hashPassword(password, this.d.cost);
    const account = this.d.directory.get(userId);
    if (!account) throw new ApiFailure('unauthorized', 'not signed in');
    this.d.store.users.updateUser(userId, { passwordHash: hash, passwordChangedAt: this.d.now() });
    this.endEverything(userId, keepSession);
    const after = this.d.directory.reload(userId)!;
    if (after.owner) this.d.ownerHasPassword();
    this.d.audit.recordFor(actor, 'password-changed', null, `${after.username}: other sessions and every token ended`);
    this.d.changed(userId);
  }

  private endEverything(userId: number, keepSession: number | null): void {
    this.d.sessions.endAllOf(userId, keepSession);
    this.d.tokens.endAllOf(userId);
  }

  private existing(id: number): Account {
    const account = this.d.directory.get(id);
    if (!account) throw notFound(`no user with id ${id}`);
    return account;
  }

  private checkNameFree(username: string, self: number | null): void {
    const other = this.d.directory.byName(username);
    if (other && other.id !== self) throw conflict(`a user named "${other.username}" already exists`);
    if (nameKey(username) === '') throw invalid('username is empty');
  }

  /** Grants in index form; every camera must exist (else the same 404 as for any unknown camera). */
  private checkedGrants(cameras: (number | Grant)[]): { cameraId: number; rights: number }[] {
    const grants = normaliseGrants(cameras);
    for (const g of grants) if (!this.d.store.getCamera(g.cameraId)) throw notFound(`no camera with id ${g.cameraId}`);
    return grants;
  }
}
