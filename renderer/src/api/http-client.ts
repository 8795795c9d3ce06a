/**
 * The browser implementation of the contract: every operation over the HTTP
 * API of the headless server (same origin; the token travels in the HttpOnly
 * cookie set when the start-up URL was opened). The renderer cannot tell it
 * from the desktop bridge: both satisfy KeepwatchApi.
 *
 * The client is an explicit table built from preload/http-routes.ts (one
 * function per route's operation), not a catch-all: an operation without a
 * route is missing here, and tests/ui/http-client.test.ts notices.
 */
import type { ApiError, KeepwatchApi, OperationName, Result } from '../../../preload/api.ts';
import { httpRoutes, requestForInput, type HttpRoute } from '../../../preload/http-routes.ts';

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
    const error = payload?.error ?? { code: 'internal', message: `HTTP ${res.status}` };
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
