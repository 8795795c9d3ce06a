/**
 * The browser implementation of the contract: every operation over the HTTP
 * API of the headless server (same origin; the token travels in the HttpOnly
 * cookie set when the start-up URL was opened). The renderer cannot tell it
 * from the desktop bridge: both satisfy KeepwatchApi.
 */
import type { KeepwatchApi, OperationName, Result } from '../../../preload/api.ts';
import { httpRoutes, requestForInput } from '../../../preload/http-routes.ts';

async function call(op: OperationName, input: unknown): Promise<Result<never>> {
  const route = httpRoutes.find((r) => r.op === op);
  if (!route) return { ok: false, error: { code: 'internal', message: `no HTTP route for ${op}` } };
  const req = requestForInput(route, input);
  try {
    const res = await fetch(req.path, {
      method: req.method,
      headers: req.body ? { 'Content-Type': 'application/json' } : undefined,
      body: req.body,
      credentials: 'same-origin',
    });
    const payload = res.status === 204 ? null : await res.json().catch(() => null);
    if (res.ok) return { ok: true, value: payload as never };
    const error = payload?.error ?? { code: 'internal', message: `HTTP ${res.status}` };
    return { ok: false, error };
  } catch (err) {
    return { ok: false, error: { code: 'unavailable', message: `Keepwatch is not reachable: ${(err as Error).message}` } };
  }
}

export function createHttpApi(): KeepwatchApi {
  return new Proxy({} as KeepwatchApi, {
    get: (_target, op: string) => (input: unknown) => call(op as OperationName, input),
  });
}
