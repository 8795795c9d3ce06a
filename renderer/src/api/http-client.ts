/**
 * The browser implementation of the contract: every operation over the HTTP
 * API of the headless server (same origin; the token travels in the HttpOnly
 * cookie set when the start-up URL was opened). The renderer cannot tell it
 * from the desktop bridge: both satisfy KeepwatchApi.
 *
 * The client is an explicit table built from preload/http-routes.ts (one
 * function per route's operation), not a catch-all: an operation without a
 * route is missing here, and tests/ui/http-client.test.ts notices.
 *
 * A 401 on any call means the session is gone (expired, revoked, password
 * changed elsewhere): the listeners of `onSignedOut` hear of it and the app
 * shows the login page. The calls that answer 401 for a wrong password (login,
 * setup, changing one's own password) and the app's own "who am I" probe are
 * not that signal.
 */
import type { ApiError, KeepwatchApi, OperationName, Result } from '../../../preload/api.ts';
import { httpRoutes, requestForInput, type HttpRoute } from '../../../preload/http-routes.ts';

const signedOutListeners = new Set<() => void>();
const forbiddenListeners = new Set<() => void>();
const NOT_A_SIGN_OUT: ReadonlySet<OperationName> = new Set<OperationName>(['login', 'completeSetup', 'changePassword', 'getMe']);

/** Runs `listener` whenever a call is refused because nobody is signed in; returns the unsubscribe. */
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

/**
 * Runs `listener` whenever a call is refused with 403: the person's role
 * changed under the page (an admin demoted), so what the page offers is stale.
 */
export function onForbidden(listener: () => void): () => void {
  forbiddenListeners.add(listener);
  return () => forbiddenListeners.delete(listener);
}

async function call(route: HttpRoute, input: unknown): Promise<Result<never>> {
  const req = requestForInput(route, input);
  try {
    const res = await fetch(req.path, {
      method: req.method,
      headers: req.body ? { 'Content-Type': 'application/json' } : undefined,
      body: req.body,
      credentials: 'same-origin',
    });
    const payload = (res.status === 204 ? null : await res.json().catch(() => null)) as { error?: ApiError } | null;
    if (res.ok) return { ok: true, value: payload as never };
    const error = payload?.error ?? { code: res.status === 401 ? 'unauthorized' : 'internal', message: `HTTP ${res.status}` };
    if (res.status === 401 && !NOT_A_SIGN_OUT.has(route.op)) for (const listener of [...signedOutListeners]) listener();
    if (res.status === 403) for (const listener of [...forbiddenListeners]) listener();
    return { ok: false, error };
  } catch (err) {
    return { ok: false, error: { code: 'unavailable', message: `Keepwatch is not reachable: ${(err as Error).message}` } };
  }
}

/** One function per operation of `routes`, each bound to its own route. */
export function createHttpApi(routes: readonly HttpRoute[] = httpRoutes): KeepwatchApi {
  const api: Partial<Record<OperationName, (input?: unknown) => Promise<Result<never>>>> = {};
  for (const route of routes) {
    if (api[route.op]) throw new Error(`two HTTP routes carry ${route.op}`);
    api[route.op] = (input?: unknown) => call(route, input);
  }
  return Object.freeze(api) as KeepwatchApi;
}
