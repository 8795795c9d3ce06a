/**
 * People: who a caller is (owner on the desktop, owner's token, session
 * cookie, personal token), logins and first-run setup, accounts and their
 * camera grants, and the audit log (docs/users.md). Deciding who a caller is
 * is synchronous and costs a SHA-256 and a map lookup: users, grants,
 * sessions and tokens are held in memory and written through to the index.
 * What a caller may do is checked elsewhere (main/engine/access/), from the
 * Caller made here.
 *
 * Sessions are in ./sessions.ts, tokens in ./tokens.ts, the account flows
 * (create, update, remove) in ./accounts.ts.
 */
import type { ChangePasswordInput, LoginInput, LoginResult, Me, SessionInfo, SetupInput, SetupState, TokenInfo, CreatedToken, User, CallerVia } from '../../../preload/api.ts';
import { RIGHTS } from '../../../preload/api.ts';
import { ApiFailure, conflict, invalid, notFound } from '../errors.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../storage/store.ts';
import type { Caller } from '../access/caller.ts';
import { AuditLog } from './audit-log.ts';
import { LoginThrottle, type ThrottleOptions } from './login-throttle.ts';
import { DEFAULT_PASSWORD_COST, dummyHash, hashPassword, needsRehash, passwordProblem, verifyPassword, type PasswordCost } from './passwords.ts';
import { newSetupCode, setupCodeMatches, type RandomBytes } from './secrets.ts';
import { DEFAULT_SESSION_IDLE_MS, DEFAULT_SESSION_MAX_MS, SessionTable } from './sessions.ts';
import { MAX_TOKENS_PER_USER, TokenTable } from './tokens.ts';
import { UserDirectory, userOf, type Account } from './user-directory.ts';
import { Accounts, type CreateUser, type UpdateUser } from './accounts.ts';
import { toGrantList } from './grants.ts';

export interface UserServiceOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  /** A session ends after this long without a request (default 14 days). */
  sessionIdleMs?: number;
  /** A session ends this long after login however active (default 30 days). */
  sessionMaxMs?: number;
  /** scrypt cost of new hashes; tests pass a cheaper one. */
  passwordCost?: PasswordCost;
  throttle?: Omit<ThrottleOptions, 'now'>;
  random?: RandomBytes;
}

export interface ClientMeta {
  address: string;
  userAgent: string;
}

const WRONG_LOGIN = 'wrong username or password';
/** The throttle's account key of first-run setup (no username can contain a NUL). */
const SETUP_KEY = '\u0000setup';

export class UserService {
  /** Records live, playback, export and download entries (the engine), and everything this service does. */
  readonly audit: AuditLog;
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly cost: PasswordCost;
  private readonly directory: UserDirectory;
  private readonly sessions: SessionTable;
  private readonly tokens: TokenTable;
  private readonly throttle: LoginThrottle;
  private readonly accounts: Accounts;
  private readonly listeners = new Set<(userId: number) => void>();
  /** Verified against when the user is unknown or has no password: same work, same time. */
  private readonly dummy: string;
  private code: string | null;

  constructor(opts: UserServiceOptions) {
    this.store = opts.store;
    this.clock = opts.clock;
    this.log = opts.log;
    this.cost = opts.passwordCost ?? DEFAULT_PASSWORD_COST;
    const now = () => this.clock.now();
    const index = opts.store.users;
    this.audit = new AuditLog({ index, now, log: opts.log });
    this.directory = new UserDirectory(index);
    this.sessions = new SessionTable(index, now, opts.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS, opts.sessionMaxMs ?? DEFAULT_SESSION_MAX_MS, opts.random);
    this.tokens = new TokenTable(index, now, opts.random);
    this.throttle = new LoginThrottle({ ...opts.throttle, now });
    this.dummy = dummyHash(this.cost);
    this.code = this.directory.owner().passwordHash === null ? newSetupCode(opts.random) : null;
    this.accounts = new Accounts({
      store: opts.store,
      directory: this.directory,
      sessions: this.sessions,
      tokens: this.tokens,
      audit: this.audit,
      cost: this.cost,
      now,
      changed: (id) => this.emit(id),
      ownerHasPassword: () => (this.code = null),
    });
  }

  // ---------------------------------------------------------------- callers

  /** The desktop's local user or a holder of DATA/api-token: the owner. */
  ownerCaller(via: 'local' | 'owner-token', address: string): Caller {
    return callerOf(this.directory.owner(), via, address, null, null);
  }

  /** The caller behind a `kw_session` cookie, or null (unknown, expired, its user gone). */
  authenticateSession(secret: string, address: string): Caller | null {
    const session = this.sessions.authenticate(secret);
    const account = session && this.directory.get(session.userId);
    return account ? callerOf(account, 'session', address, session.id, null) : null;
  }

  /** The caller behind a personal token (`kwt_…`), or null. */
  authenticateToken(secret: string, address: string): Caller | null {
    const token = this.tokens.authenticate(secret);
    const account = token && this.directory.get(token.userId);
    return account ? callerOf(account, 'token', address, null, token.id) : null;
  }

  /**
   * The caller as it is now: null when its user, session or token is gone,
   * else a fresh Caller with the current role and grants (live re-check).
   */
  callerStillValid(caller: Caller): Caller | null {
    const account = this.directory.get(caller.userId);
    if (!account) return null;
    if (caller.via === 'session' && (caller.sessionId === null || this.sessions.get(caller.sessionId)?.userId !== account.id)) return null;
    if (caller.via === 'token' && (caller.tokenId === null || this.tokens.get(caller.tokenId)?.userId !== account.id)) return null;
    if ((caller.via === 'local' || caller.via === 'owner-token') && !account.owner) return null;
    return callerOf(account, caller.via, caller.address, caller.sessionId, caller.tokenId);
  }

  /** Called when a user's role or grants change, the user is removed, or any of its sessions or tokens end. */
  onRightsChanged(listener: (userId: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---------------------------------------------------------------- setup and login

  setupState(): SetupState {
    return { needed: this.code !== null, username: this.directory.owner().username };
  }

  /** The one-time first-run code (print it on the console), or null when the owner has a password. */
  setupCode(): string | null {
    return this.code;
  }

  /** First run: the owner's name and password, guarded by the setup code. Works once. */
  async completeSetup(input: SetupInput, meta: ClientMeta): Promise<LoginResult> {
    if (this.code === null) throw conflict('setup is already done');
    const username = input.username.normalize('NFC').trim();
    const problem = passwordProblem(input.password, username);
    if (problem) throw invalid(problem);
    const attempt = this.throttle.begin(SETUP_KEY, meta.address);
    await this.sleep(attempt.delayMs);
    if (!attempt.admitted || this.code === null || !setupCodeMatches(input.code, this.code)) {
      attempt.done(false);
      if (this.code === null) throw conflict('setup is already done');
      this.audit.record({ action: 'login-failed', address: meta.address, detail: 'wrong setup code' });
      throw new ApiFailure('unauthorized', 'wrong setup code');
    }
    attempt.done(true);
    const owner = this.directory.owner();
    const other = this.directory.byName(username);
    if (other && other.id !== owner.id) throw conflict(`a user named "${other.username}" already exists`);
    const hash = await hashPassword(input.password, this.cost);
    // Another setup may have finished while this one was hashing.
    if (this.code === null) throw conflict('setup is already done');
    const taken = this.directory.byName(username);
    if (taken && taken.id !== owner.id) throw conflict(`a user named "${taken.username}" already exists`);
    this.code = null;
    this.store.users.updateUser(owner.id, { username, passwordHash: hash, passwordChangedAt: this.clock.now() });
    const result = this.startSession(owner.id, meta);
    this.audit.record({ action: 'setup', userId: owner.id, username, address: meta.address });
    this.log.info(`first-run setup done: the owner is now "${username}"`);
    return result;
  }

  /**
   * Signs in with a name and password. Waits the throttle's delay first.
   * An unknown user, a user without a password and a wrong password all get
   * the same answer after the same work.
   */
  async login(input: LoginInput, meta: ClientMeta): Promise<LoginResult> {
    const attempted = input.username.normalize('NFC').trim();
    const attempt = this.throttle.begin(attempted, meta.address);
    await this.sleep(attempt.delayMs);
    const account = attempt.admitted ? this.directory.byName(attempted) : null;
    const stored = account?.passwordHash ?? null;
    const matches = attempt.admitted && (await verifyPassword(input.password, stored ?? this.dummy)) && stored !== null;
    // The user may have been removed or its password changed while hashing
    // (a background re-hash changes the hash, not the password: not that).
    const now = account ? this.directory.get(account.id) : null;
    if (!matches || !account || !now || now.passwordHash === null || now.passwordChangedAt !== account.passwordChangedAt) {
      attempt.done(false);
      this.audit.record({ action: 'login-failed', userId: now?.id ?? null, username: now?.username ?? null, address: meta.address, detail: attempted.slice(0, 100) });
      throw new ApiFailure('unauthorized', WRONG_LOGIN);
    }
    attempt.done(true);
    if (stored && needsRehash(stored, this.cost)) this.rehash(account.id, stored, input.password);
    const result = this.startSession(account.id, meta);
    this.audit.record({ action: 'login', userId: account.id, username: account.username, address: meta.address });
    return result;
  }

  /** Ends the caller's session (a no-op for other callers). */
  logout(caller: Caller): void {
    if (caller.sessionId === null || !this.sessions.end(caller.sessionId)) return;
    this.audit.recordFor(caller, 'logout');
    this.emit(caller.userId);
  }

  /**
   * Changes the caller's own password. The current one is required; a user
   * without one yet (the desktop owner) passes '' and must call locally or
   * with the owner's token. Ends every other session and every token of the user.
   */
  async changePassword(caller: Caller, input: ChangePasswordInput): Promise<void> {
    const account = this.directory.get(caller.userId);
    if (!account) throw new ApiFailure('unauthorized', 'not signed in');
    const problem = passwordProblem(input.newPassword, account.username);
    if (problem) throw invalid(problem);
    if (account.passwordHash === null) {
      if (input.currentPassword !== '' || (caller.via !== 'local' && caller.via !== 'owner-token')) {
        throw new ApiFailure('forbidden', 'this account has no password yet: set it from the desktop app or with the owner token');
      }
    } else {
      const attempt = this.throttle.begin(account.username, caller.address);
      await this.sleep(attempt.delayMs);
      const ok = attempt.admitted && (await verifyPassword(input.currentPassword, account.passwordHash));
      attempt.done(ok);
      if (!ok) throw invalid('the current password is wrong');
    }
    await this.accounts.setPassword(account.id, input.newPassword, caller.sessionId, caller);
  }

  // ---------------------------------------------------------------- accounts

  list(): User[] {
    return this.directory.all().map(userOf);
  }

  get(id: number): User {
    const account = this.directory.get(id);
    if (!account) throw notFound(`no user with id ${id}`);
    return userOf(account);
  }

  create(input: CreateUser, actor: Caller): Promise<User> {
    return this.accounts.create(input, actor);
  }

  update(input: UpdateUser, actor: Caller): Promise<User> {
    return this.accounts.update(input, actor);
  }

  remove(id: number, actor: Caller): { removed: number } {
    return this.accounts.remove(id, actor);
  }

  /** What the caller is and may do; an admin has every right on every camera. */
  me(caller: Caller): Me {
    const account = this.directory.get(caller.userId);
    if (!account) throw new ApiFailure('unauthorized', 'not signed in');
    const cameras = this.store.listCameras().map((c) => c.id);
    const rights =
      account.role === 'admin'
        ? cameras.map((id) => ({ id, rights: [...RIGHTS] }))
        : toGrantList(account.grants).filter((g) => cameras.includes(g.id));
    const expiresAt = caller.sessionId === null ? null : (this.sessions.get(caller.sessionId)?.expiresAt ?? null);
    return { user: userOf(account), via: caller.via, rights, expiresAt };
  }

  /** A camera was removed: its grants are gone from the index (cascade); drop them from memory too. */
  cameraRemoved(cameraId: number): void {
    for (const account of this.directory.all()) {
      if (!account.grants.has(cameraId)) continue;
      const grants = new Map(account.grants);
      grants.delete(cameraId);
      this.directory.put({ ...account, grants });
      this.emit(account.id);
    }
  }

  // ---------------------------------------------------------------- sessions and tokens

  /** Live sessions of a user (null: everyone's); `current` marks the caller's own. */
  listSessions(userId: number | null, caller: Caller): SessionInfo[] {
    return this.sessions.list(userId).map((s) => ({
      id: s.id,
      userId: s.userId,
      createdAt: s.createdAt,
      lastSeenAt: s.lastSeenAt,
      expiresAt: s.expiresAt,
      address: s.address,
      userAgent: s.userAgent,
      current: s.id === caller.sessionId,
    }));
  }

  revokeSession(id: number, actor: Caller): { revoked: number } {
    const session = this.sessions.get(id);
    if (!session) throw notFound(`no session with id ${id}`);
    this.sessions.end(id);
    const owner = this.directory.get(session.userId);
    this.audit.recordFor(actor, 'session-revoked', null, `session ${id} of ${owner?.username ?? `user ${session.userId}`}`);
    this.emit(session.userId);
    return { revoked: id };
  }

  /** The user a live session belongs to, or null. */
  sessionOwner(id: number): number | null {
    return this.sessions.get(id)?.userId ?? null;
  }

  /** A personal token of the caller's user; its secret is in the answer and nowhere else, ever. */
  createToken(caller: Caller, name: string): CreatedToken {
    const account = this.directory.get(caller.userId);
    if (!account) throw new ApiFailure('unauthorized', 'not signed in');
    if (this.tokens.count(account.id) >= MAX_TOKENS_PER_USER) throw conflict(`a user may hold at most ${MAX_TOKENS_PER_USER} tokens; revoke one first`);
    const { token, secret } = this.tokens.create(account.id, name.trim().slice(0, 100));
    this.audit.recordFor(caller, 'token-created', null, `token ${token.id} "${token.name}"`);
    return { ...token, token: secret };
  }

  /** Tokens of a user (null: everyone's), without their secrets. */
  listTokens(userId: number | null): TokenInfo[] {
    return this.tokens.list(userId);
  }

  revokeToken(id: number, actor: Caller): { revoked: number } {
    const token = this.tokens.get(id);
    if (!token) throw notFound(`no token with id ${id}`);
    this.tokens.end(id);
    const owner = this.directory.get(token.userId);
    this.audit.recordFor(actor, 'token-revoked', null, `token ${id} "${token.name}" of ${owner?.username ?? `user ${token.userId}`}`);
    this.emit(token.userId);
    return { revoked: id };
  }

  /** The user a token belongs to, or null. */
  tokenOwner(id: number): number | null {
    return this.tokens.get(id)?.userId ?? null;
  }

  /** Writes pending "last seen"/"last used" times (engine shutdown). */
  close(): void {
    this.sessions.flush();
    this.tokens.flush();
  }

  // ---------------------------------------------------------------- inside

  private startSession(userId: number, meta: ClientMeta): LoginResult {
    const now = this.clock.now();
    this.store.users.setLastLogin(userId, now);
    const account = this.directory.reload(userId);
    if (!account) throw new ApiFailure('unauthorized', WRONG_LOGIN);
    const { session, secret } = this.sessions.create(userId, meta);
    return { user: userOf(account), session: { id: session.id, secret, expiresAt: session.expiresAt } };
  }

  /** A hash made with an older cost is replaced after a successful login, in the background. */
  private rehash(userId: number, old: string, password: string): void {
    hashPassword(password, this.cost)
      .then((hash) => {
        if (this.directory.get(userId)?.passwordHash !== old) return;
        this.store.users.updateUser(userId, { passwordHash: hash });
        this.directory.reload(userId);
      })
      .catch((err: Error) => this.log.warn(`could not re-hash a password: ${err.message}`));
  }

  private sleep(ms: number): Promise<void> {
    return ms <= 0 ? Promise.resolve() : new Promise((resolve) => this.clock.setTimeout(resolve, ms));
  }

  private emit(userId: number): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(userId);
      } catch (err) {
        this.log.warn(`a rights-changed listener failed: ${(err as Error).message}`);
      }
    }
  }
}

function callerOf(a: Account, via: CallerVia, address: string, sessionId: number | null, tokenId: number | null): Caller {
  return { userId: a.id, username: a.username, role: a.role, owner: a.owner, via, sessionId, tokenId, grants: a.grants, address };
}

