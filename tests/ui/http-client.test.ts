/**
 * The browser client (renderer/src/api/http-client.ts) and the tray's list of
 * status-changing operations (main/electron/host-service.ts) are explicit
 * tables derived from preload/http-routes.ts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OPERATION_NAMES } from '../../preload/api.ts';
import { httpRoutes, type HttpRoute } from '../../preload/http-routes.ts';
import { createHttpApi, onSignedOut } from '../../renderer/src/api/http-client.ts';
import { STATUS_CHANGING_OPS } from '../../main/electron/host-service.ts';

afterEach(() => vi.unstubAllGlobals());

describe('the browser client', () => {
  it('has exactly one function per operation of the contract, and nothing else', () => {
    const api = createHttpApi();
    expect(Object.keys(api).sort()).toEqual([...OPERATION_NAMES].sort());
    expect(Object.isFrozen(api)).toBe(true);
    expect((api as unknown as Record<string, unknown>).notAnOperation).toBeUndefined();
  });

  it('sends each call on its own route', async () => {
    const seen: { url: string; method: string; body?: string }[] = [];
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      seen.push({ url, method: String(init.method), body: init.body as string | undefined });
      return new Response(JSON.stringify({ id: 7 }), { status: 200, headers: { 'Content-Type': 'application/json' } });
    });
    const api = createHttpApi();
    expect(await api.updateCamera({ id: 7, name: 'Porch' })).toEqual({ ok: true, value: { id: 7 } });
    await api.getTimeline({ from: 1, to: 2, cameraIds: [1, 2] } as never);
    expect(seen).toEqual([
      { url: '/api/cameras/7', method: 'PATCH', body: JSON.stringify({ name: 'Porch' }) },
      { url: '/api/timeline?from=1&to=2&cameraIds=1%2C2', method: 'GET', body: undefined },
    ]);
  });

  it('turns an error answer and an unreachable server into results', async () => {
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify({ error: { code: 'not_found', message: 'no camera 9' } }), { status: 404 }));
    expect(await createHttpApi().getCamera({ id: 9 })).toEqual({ ok: false, error: { code: 'not_found', message: 'no camera 9' } });
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    expect(await createHttpApi().health(undefined as never)).toMatchObject({ ok: false, error: { code: 'unavailable' } });
  });

  it('hears a 401 on any call as "signed out", but not a wrong password', async () => {
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify({ error: { code: 'unauthorized', message: 'sign in' } }), { status: 401 }));
    let heard = 0;
    const stop = onSignedOut(() => heard++);
    const api = createHttpApi();
    expect(await api.listCameras({})).toEqual({ ok: false, error: { code: 'unauthorized', message: 'sign in' } });
    expect(heard).toBe(1);
    await api.login({ username: 'anna', password: 'wrong' });
    await api.changePassword({ currentPassword: 'wrong', newPassword: 'long enough pass' });
    await api.getMe(undefined);
    expect(heard).toBe(1);
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify({ error: { code: 'forbidden', message: 'admins only' } }), { status: 403 }));
    await api.listUsers({});
    expect(heard).toBe(1);
    stop();
    vi.stubGlobal('fetch', async () => new Response('', { status: 401 }));
    expect(await api.getStatus({})).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(heard).toBe(1);
  });

  it('refuses a table that carries one operation twice', () => {
    const twice: HttpRoute[] = [httpRoutes[0], { ...httpRoutes[0], path: '/api/other' }];
    expect(() => createHttpApi(twice)).toThrow(/two HTTP routes carry health/);
  });
});

describe("the tray's status-changing operations", () => {
  it('are the operations whose route is not a GET', () => {
    for (const op of ['addCamera', 'updateCamera', 'removeCamera', 'updateSettings', 'createExport'] as const) expect(STATUS_CHANGING_OPS.has(op)).toBe(true);
    for (const op of ['health', 'getStatus', 'listCameras', 'getSettings', 'getTimeline', 'findAdjacent'] as const) expect(STATUS_CHANGING_OPS.has(op)).toBe(false);
  });
});
