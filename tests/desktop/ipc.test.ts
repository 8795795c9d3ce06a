/**
 * main/electron/ipc.ts with a fake ipcMain: one handler per operation, the
 * sender check first, then the contract's validation, and only then the
 * relay to the engine host.
 */
import { describe, expect, it, vi } from 'vitest';
import { OPERATION_NAMES } from '../../preload/api.ts';
import { channelFor, registerOperationHandlers, senderOf } from '../../main/electron/ipc.ts';
import { ipcSenderAllowed } from '../../main/electron/security.ts';

const APP = 'http://127.0.0.1:8761';

function setup() {
  const handlers = new Map<string, (event: unknown, input: unknown) => Promise<unknown>>();
  const ipcMain = {
    handle: vi.fn((channel: string, fn: (event: unknown, input: unknown) => Promise<unknown>) => void handlers.set(channel, fn)),
    removeHandler: vi.fn((channel: string) => void handlers.delete(channel)),
  };
  const forward = vi.fn(async (op: string, input: unknown) => ({ ok: true as const, value: { op, input } }));
  const log = vi.fn();
  const unregister = registerOperationHandlers({
    ipcMain: ipcMain as never,
    senderAllowed: (s) => ipcSenderAllowed(s, { origins: { pages: [APP] }, webContentsIds: new Set([1]) }),
    forward: forward as never,
    log,
  });
  return { handlers, ipcMain, forward, log, unregister };
}

/** An invoke event as Electron builds it: the sending WebContents and frame. */
function event(opts: { url?: string | null; sub?: boolean; contents?: number } = {}) {
  const mainFrame = { url: opts.url === undefined ? `${APP}/` : opts.url, parent: null };
  const frame = opts.sub ? { url: opts.url ?? `${APP}/`, parent: mainFrame } : opts.url === null ? null : mainFrame;
  return { sender: { id: opts.contents ?? 1, mainFrame }, senderFrame: frame };
}

describe('IPC handlers', () => {
  it('registers exactly one "kw:<name>" channel per operation, and removes them again', () => {
    const { handlers, unregister, ipcMain } = setup();
    expect([...handlers.keys()].sort()).toEqual(OPERATION_NAMES.map((n) => `kw:${n}`).sort());
    expect(ipcMain.handle).toHaveBeenCalledTimes(OPERATION_NAMES.length);
    unregister();
    expect(handlers.size).toBe(0);
  });

  it('reads the sender off the event', () => {
    expect(senderOf(event() as never)).toEqual({ frameUrl: `${APP}/`, isMainFrame: true, webContentsId: 1 });
    expect(senderOf(event({ sub: true }) as never)).toMatchObject({ isMainFrame: false });
    expect(senderOf(event({ url: null }) as never)).toEqual({ frameUrl: null, isMainFrame: false, webContentsId: 1 });
  });

  it('relays a valid call from the app window', async () => {
    const { handlers, forward } = setup();
    const input = { name: 'Porch', mainUrl: 'rtsp://10.0.0.9/s' };
    await expect(handlers.get(channelFor('addCamera'))!(event(), input)).resolves.toEqual({ ok: true, value: { op: 'addCamera', input } });
    expect(forward).toHaveBeenCalledWith('addCamera', input);
  });

  it('refuses before validating when the sender is wrong, and relays nothing', async () => {
    const { handlers, forward, log } = setup();
    const health = handlers.get(channelFor('health'))!;
    for (const bad of [event({ sub: true }), event({ url: 'https://evil.example/' }), event({ contents: 2 }), event({ url: null }), event({ url: 'file:///tmp/x.html' })]) {
      await expect(health(bad, {})).rejects.toThrow('refused');
    }
    expect(forward).not.toHaveBeenCalled();
    expect(log).toHaveBeenCalledTimes(5);
  });

  it('answers invalid input itself, with the contract message, and relays nothing', async () => {
    const { handlers, forward } = setup();
    await expect(handlers.get(channelFor('addCamera'))!(event(), { name: 'x', mainUrl: 'file:///etc/passwd' })).resolves.toEqual({
      ok: false,
      error: { code: 'invalid_input', message: 'mainUrl: only rtsp:// and rtsps:// URLs are accepted, not file://' },
    });
    await expect(handlers.get(channelFor('getCamera'))!(event(), { id: '../1' })).resolves.toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(forward).not.toHaveBeenCalled();
  });
});
