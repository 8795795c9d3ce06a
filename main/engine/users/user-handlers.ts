/**
 * The handlers of the users operations (preload/contract/users.ts). Who may
 * call each is declared in preload/contract/access.ts and checked by the
 * dispatcher before these run: here `ctx.caller` is the signed-in caller
 * wherever the declaration requires one.
 */
import type { Handlers, CallContext } from '../handlers.ts';
import type { UserService } from './user-service.ts';
import type { Caller } from '../access/caller.ts';

type UserOperation =
  | 'getSetup'
  | 'completeSetup'
  | 'login'
  | 'logout'
  | 'getMe'
  | 'changePassword'
  | 'listUsers'
  | 'createUser'
  | 'updateUser'
  | 'removeUser'
  | 'listSessions'
  | 'revokeSession'
  | 'createToken'
  | 'listTokens'
  | 'revokeToken'
  | 'listAudit';

/** The caller of an operation declared for signed-in callers only (the dispatcher made sure). */
function signedIn(ctx: CallContext): Caller {
  if (!ctx.caller) throw new Error('the dispatcher let a signed-out caller through');
  return ctx.caller;
}

export function userHandlers(users: UserService): Pick<Handlers, UserOperation> {
  const meta = (ctx: CallContext) => ({ address: ctx.client.address, userAgent: ctx.client.userAgent });
  return {
    getSetup: () => users.setupState(),
    completeSetup: (input, ctx) => users.completeSetup(input, meta(ctx)),
    login: (input, ctx) => users.login(input, meta(ctx)),
    logout: (_, ctx) => {
      users.logout(signedIn(ctx));
      return { ok: true as const };
    },
    getMe: (_, ctx) => users.me(signedIn(ctx)),
    changePassword: async (input, ctx) => {
      await users.changePassword(signedIn(ctx), input);
      return { ok: true as const };
    },
    listUsers: () => users.list(),
    createUser: (input, ctx) => users.create(input, signedIn(ctx)),
    updateUser: (input, ctx) => users.update(input, signedIn(ctx)),
    removeUser: ({ id }, ctx) => users.remove(id, signedIn(ctx)),
    listSessions: ({ user }, ctx) => {
      const caller = signedIn(ctx);
      // A viewer sees its own; an admin everyone's unless it names one user.
      return users.listSessions(user ?? (caller.role === 'admin' ? null : caller.userId), caller);
    },
    revokeSession: ({ id }, ctx) => users.revokeSession(id, signedIn(ctx)),
    createToken: ({ name }, ctx) => users.createToken(signedIn(ctx), name),
    listTokens: ({ user }, ctx) => users.listTokens(user ?? signedIn(ctx).userId),
    revokeToken: ({ id }, ctx) => users.revokeToken(id, signedIn(ctx)),
    listAudit: (query) => users.audit.query(query),
  };
}
