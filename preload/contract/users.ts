/**
 * People: accounts, sessions, personal API tokens, per-camera rights and the
 * audit log (docs/users.md, docs/API.md "Users"). Who may call which
 * operation is declared in ./access.ts; this file only says what crosses the
 * boundary. A password never leaves the engine, not even hashed; a session or
 * token secret leaves it exactly once, when it is made.
 */
import { z } from 'zod';
import { Id, UtcMs } from './primitives.ts';
import { NoInput } from './core.ts';

/** What a viewer may be granted on one camera. An admin has every right on every camera. */
export const RIGHTS = ['live', 'playback', 'export', 'ptz'] as const;
export const Right = z.enum(RIGHTS);
export type Right = z.infer<typeof Right>;

export const Role = z.enum(['admin', 'viewer']);
export type Role = z.infer<typeof Role>;

/** Letters, digits and . _ - @, 1–64 characters; compared without case ("Anna" and "anna" are one user). */
export const UsernameInput = z
  .string()
  .trim()
  .min(1, 'username is empty')
  .max(64, 'username is longer than 64 characters')
  .regex(/^[\p{L}\p{N}._@-]+$/u, 'a username may contain letters, digits and . _ - @ only');

/** Length only here; the engine also refuses the commonest passwords (main/engine/users/passwords.ts). */
export const MIN_PASSWORD_LENGTH = 10;
export const NewPassword = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `a password needs at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(256, 'password is longer than 256 characters');
/** A password being checked (login): any length up to the cap, so a wrong one gets the same answer as a short one. */
export const GivenPassword = z.string().max(256, 'password is longer than 256 characters');

/** A grant: a camera and the rights on it. */
export const Grant = z.object({ id: Id, rights: z.array(Right).min(1, 'a grant needs at least one right').max(RIGHTS.length) }).strict();
export type Grant = z.infer<typeof Grant>;

/** A plain camera id grants every right on it; the object form grants some. */
export const GrantInput = z.union([Id, Grant]);
export const GrantsInput = z.array(GrantInput).max(10_000);
export type GrantsInput = z.input<typeof GrantsInput>;

export const User = z.object({
  id: Id,
  username: z.string(),
  role: Role,
  /** The first account: always an admin, cannot be removed or demoted. */
  owner: z.boolean(),
  /** A viewer's grants (an admin's are ignored: it may do everything). */
  cameras: z.array(Grant),
  createdAt: UtcMs,
  lastLoginAt: UtcMs.nullable(),
  /** False for the owner before the first-run setup has set a password. */
  hasPassword: z.boolean(),
});
export type User = z.infer<typeof User>;

export const CreateUserInput = z
  .object({
    username: UsernameInput,
    password: NewPassword,
    role: Role.default('viewer'),
    cameras: GrantsInput.default([]),
  })
  .strict();
export type CreateUserInput = z.input<typeof CreateUserInput>;

export const UpdateUserInput = z
  .object({
    id: Id,
    role: Role.optional(),
    /** Replaces every grant of the user. */
    cameras: GrantsInput.optional(),
    /** A new password; ends every session and token of the user. */
    password: NewPassword.optional(),
  })
  .strict();
export type UpdateUserInput = z.input<typeof UpdateUserInput>;

export const LoginInput = z.object({ username: z.string().max(256, 'username is too long'), password: GivenPassword }).strict();
export type LoginInput = z.infer<typeof LoginInput>;

/**
 * What login and setup return inside the engine. The HTTP transport moves
 * `session` into the `kw_session` cookie and answers `{user}` only: the
 * secret never reaches a script or the page's JavaScript.
 */
export const LoginResult = z.object({
  user: User,
  session: z.object({ id: Id, secret: z.string(), expiresAt: UtcMs }),
});
export type LoginResult = z.infer<typeof LoginResult>;

export const SetupState = z.object({
  /** True until the owner has a password (headless first run). */
  needed: z.boolean(),
  /** The owner's username, proposed by the setup page. */
  username: z.string(),
});
export type SetupState = z.infer<typeof SetupState>;

export const SetupInput = z
  .object({
    /** The one-time code printed on the console at the first start. */
    code: z.string().max(64, 'setup code is too long'),
    username: UsernameInput,
    password: NewPassword,
  })
  .strict();
export type SetupInput = z.infer<typeof SetupInput>;

/** How the caller proved who it is. */
export const CallerVia = z.enum(['local', 'owner-token', 'session', 'token']);
export type CallerVia = z.infer<typeof CallerVia>;

export const Me = z.object({
  user: User,
  via: CallerVia,
  /** Every right of the caller, per camera id; for an admin every camera with every right. */
  rights: z.array(Grant),
  /** The session's absolute expiry (session callers only). */
  expiresAt: UtcMs.nullable(),
});
export type Me = z.infer<typeof Me>;

export const ChangePasswordInput = z.object({ currentPassword: GivenPassword, newPassword: NewPassword }).strict();
export type ChangePasswordInput = z.infer<typeof ChangePasswordInput>;

export const SessionInfo = z.object({
  id: Id,
  userId: Id,
  createdAt: UtcMs,
  lastSeenAt: UtcMs,
  expiresAt: UtcMs,
  /** The browser's address and User-Agent when it logged in (for the owner to recognise it). */
  address: z.string(),
  userAgent: z.string(),
  /** The session of this very request. */
  current: z.boolean(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

export const UserFilter = z.object({ user: Id.optional() }).strict();

export const TokenInput = z.object({ name: z.string().trim().min(1, 'name is empty').max(100, 'name is longer than 100 characters') }).strict();
export const TokenInfo = z.object({ id: Id, userId: Id, name: z.string(), createdAt: UtcMs, lastUsedAt: UtcMs.nullable() });
export type TokenInfo = z.infer<typeof TokenInfo>;
/** The token's secret, shown once. Send it as `Authorization: Bearer <token>`. */
export const CreatedToken = TokenInfo.extend({ token: z.string() });
export type CreatedToken = z.infer<typeof CreatedToken>;

export const AUDIT_ACTIONS = [
  'login',
  'login-failed',
  'logout',
  'setup',
  'live',
  'playback',
  'export',
  'download',
  'ptz',
  'user-created',
  'user-changed',
  'user-removed',
  'password-changed',
  'session-revoked',
  'token-created',
  'token-revoked',
  'camera-added',
  'camera-changed',
  'camera-removed',
  'settings-changed',
  'lan-changed',
] as const;
export const AuditAction = z.enum(AUDIT_ACTIONS);
export type AuditAction = z.infer<typeof AuditAction>;

export const MAX_AUDIT_PER_QUERY = 5000;
export const AuditQuery = z
  .object({
    from: UtcMs,
    to: UtcMs,
    user: Id.optional(),
    camera: Id.optional(),
    action: AuditAction.optional(),
    limit: z.coerce.number().int().min(1).max(MAX_AUDIT_PER_QUERY).optional(),
  })
  .strict()
  .refine((q) => q.from < q.to, { message: '"from" must be before "to"', path: ['from'] });
export type AuditQuery = z.input<typeof AuditQuery>;

export const AuditEntry = z.object({
  id: Id,
  at: UtcMs,
  action: AuditAction,
  /** Who did it (null: nobody signed in, e.g. a failed login of an unknown name). */
  userId: Id.nullable(),
  /** The name at the time: kept after the user is removed. */
  username: z.string().nullable(),
  cameraId: Id.nullable(),
  /** The client's address ("local" for the desktop app). */
  address: z.string(),
  /** What else matters: the footage's time range, the changed fields, the attempted username. */
  detail: z.string(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;


export const userOperations = {
  getSetup: { input: NoInput, output: SetupState },
  completeSetup: { input: SetupInput, output: LoginResult },
  login: { input: LoginInput, output: LoginResult },
  logout: { input: NoInput, output: z.object({ ok: z.literal(true) }) },
  getMe: { input: NoInput, output: Me },
  changePassword: { input: ChangePasswordInput, output: z.object({ ok: z.literal(true) }) },
  listUsers: { input: NoInput, output: z.array(User) },
  createUser: { input: CreateUserInput, output: User },
  updateUser: { input: UpdateUserInput, output: User },
  removeUser: { input: z.object({ id: Id }).strict(), output: z.object({ removed: Id }) },
  listSessions: { input: UserFilter, output: z.array(SessionInfo) },
  revokeSession: { input: z.object({ id: Id }).strict(), output: z.object({ revoked: Id }) },
  createToken: { input: TokenInput, output: CreatedToken },
  listTokens: { input: UserFilter, output: z.array(TokenInfo) },
  revokeToken: { input: z.object({ id: Id }).strict(), output: z.object({ revoked: Id }) },
  listAudit: { input: AuditQuery, output: z.array(AuditEntry) },
} as const;
