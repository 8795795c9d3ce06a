/**
 * "Save to folder…" on the main side (main/electron/export-save.ts and the
 * desktop IPC handlers of ipc.ts): the folder comes from main's dialog, never
 * from the page; a choice is single-use and bound to its export; every call
 * passes the sender check and the contract before anything runs; and the
 * engine host turns writeTo's outcome into a Result.
 */
import { describe, expect, it, vi } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DESKTOP_OPERATION_NAMES, type SavedExport } from '../../preload/api.ts';
import { createExportSaver, exportFolderDialogOptions, pickExportFolder } from '../../main/electron/export-save.ts';
import { registerDesktopHandlers } from '../../main/electron/ipc.ts';
import { ipcSenderAllowed } from '../../main/electron/security.ts';
import { EngineHostService } from '../../main/electron/host-service.ts';
import type { HostToMain, MainToHost, MessageEnd } from '../../main/electron/host-protocol.ts';
import { tempDir } from '../helpers/tmp.ts';

const APP = 'http://127.0.0.1:8761';
const SAVED: SavedExport = {
  folder: '/home/u/Exports/keepwatch-export-4-20261206-010203Z',
  report: { ok: true, manifestSha256: 'ab', keepwatchVersion: '0.1.0', files: [], summary: 'all files match' },
};

function saver(folder: string | null = '/home/u/Exports') {
  const chooseFolder = vi.fn(async (_id: number) => folder);
  const writeTo = vi.fn(async (_id: number, _dir: string) => ({ ok: true as const, value: SAVED }));
  let clock = 0;
  const s = createExportSaver({ chooseFolder, writeTo, choiceTtlMs: 1000, now: () => clock });
  return { s, chooseFolder, writeTo, advance: (ms: number) => (clock += ms) };
}

describe('the export saver', () => {
  it('shows the dialog, then copies into the folder chosen there', async () => {
    const { s, chooseFolder, writeTo } = saver();
    const chosen = await s.choose({ id: 4 });
    expect(chooseFolder).toHaveBeenCalledWith(4);
    expect(chosen).toMatchObject({ ok: true, value: { chosen: true, folder: '/home/u/Exports' } });
    const choice = (chosen as { value: { choice: string } }).value.choice;
    expect(choice).toMatch(/^[0-9a-f]{32}$/);
    expect(await s.save({ id: 4, choice })).toEqual({ ok: true, value: SAVED });
    expect(writeTo).toHaveBeenCalledWith(4, '/home/u/Exports');
  });

  it('a cancelled dialog is no choice and copies nothing', async () => {
    const { s, writeTo } = saver(null);
    expect(await s.choose({ id: 4 })).toEqual({ ok: true, value: { chosen: false } });
    expect(writeTo).not.toHaveBeenCalled();
  });

  it('a choice is single-use, bound to its export, and expires', async () => {
    const { s, writeTo, advance } = saver();
    const pick = async () => ((await s.choose({ id: 4 })) as { value: { choice: string } }).value.choice;
    const refused = { ok: false, error: { code: 'invalid_input', message: expect.stringMatching(/choose the folder again/) } };

    const forOther = await pick();
    expect(await s.save({ id: 5, choice: forOther })).toEqual(refused); // chosen for export 4
    const once = await pick();
    await s.save({ id: 4, choice: once });
    expect(await s.save({ id: 4, choice: once })).toEqual(refused); // used
    const late = await pick();
    advance(1001);
    expect(await s.save({ id: 4, choice: late })).toEqual(refused); // expired
    expect(await s.save({ id: 4, choice: 'made-up' })).toEqual(refused);
    expect(writeTo).toHaveBeenCalledTimes(1);
  });

  it('the dialog: folders only, may create one, attached to the window when there is one', async () => {
    const options = exportFolderDialogOptions(7, '/home/u/Documents');
    expect(options.properties).toEqual(expect.arrayContaining(['openDirectory', 'createDirectory']));
    expect(options.properties).not.toContain('openFile');
    expect(options.defaultPath).toBe('/home/u/Documents');
    const dialog = { showOpenDialog: vi.fn(async (..._args: unknown[]) => ({ canceled: false, filePaths: ['/picked'] })) };
    const window = { id: 1 } as never;
    expect(await pickExportFolder(dialog as never, window, 7, '/d')).toBe('/picked');
    expect(dialog.showOpenDialog.mock.calls[0][0]).toBe(window);
    dialog.showOpenDialog.mockResolvedValueOnce({ canceled: true, filePaths: [] });
    expect(await pickExportFolder(dialog as never, null, 7, '/d')).toBeNull();
    expect(dialog.showOpenDialog.mock.calls[1]).toHaveLength(1); // no window: options only
  });
});

describe('desktop IPC handlers', () => {
  function setup() {
    const handlers = new Map<string, (event: unknown, input: unknown) => Promise<unknown>>();
    const ipcMain = {
      handle: vi.fn((channel: string, fn: (event: unknown, input: unknown) => Promise<unknown>) => void handlers.set(channel, fn)),
      removeHandler: vi.fn((channel: string) => void handlers.delete(channel)),
    };
    const chooseExportFolder = vi.fn(async (input: unknown) => ({ ok: true as const, value: { input } }));
    const saveExportToFolder = vi.fn(async (input: unknown) => ({ ok: true as const, value: { input } }));
    const unregister = registerDesktopHandlers({
      ipcMain: ipcMain as never,
      senderAllowed: (s) => ipcSenderAllowed(s, { origins: { pages: [APP] }, webContentsIds: new Set([1]) }),
      handlers: { chooseExportFolder, saveExportToFolder } as never,
      log: vi.fn(),
    });
    return { handlers, chooseExportFolder, saveExportToFolder, unregister };
  }
  const event = (url = `${APP}/`) => {
    const mainFrame = { url, parent: null };
    return { sender: { id: 1, mainFrame }, senderFrame: mainFrame };
  };

  it('registers one "kw-desktop:<name>" channel per desktop operation, and removes them again', () => {
    const { handlers, unregister } = setup();
    expect([...handlers.keys()].sort()).toEqual(DESKTOP_OPERATION_NAMES.map((n) => `kw-desktop:${n}`).sort());
    expect(DESKTOP_OPERATION_NAMES.sort()).toEqual(['chooseExportFolder', 'saveExportToFolder']);
    unregister();
    expect(handlers.size).toBe(0);
  });

  it('answers a valid call from the app window with the validated input', async () => {
    const { handlers, saveExportToFolder } = setup();
    await expect(handlers.get('kw-desktop:saveExportToFolder')!(event(), { id: '4', choice: 'c' })).resolves.toEqual({ ok: true, value: { input: { id: 4, choice: 'c' } } });
    expect(saveExportToFolder).toHaveBeenCalledWith({ id: 4, choice: 'c' });
  });

  it('refuses a foreign sender before anything runs, and bad input with a clear error', async () => {
    const { handlers, chooseExportFolder, saveExportToFolder } = setup();
    await expect(handlers.get('kw-desktop:chooseExportFolder')!(event('https://evil.example/'), { id: 1 })).rejects.toThrow('refused');
    await expect(handlers.get('kw-desktop:saveExportToFolder')!(event(), { id: 4, choice: 'c', parentDir: '/etc' })).resolves.toMatchObject({
      ok: false,
      error: { code: 'invalid_input' },
    });
    await expect(handlers.get('kw-desktop:chooseExportFolder')!(event(), { id: '../../etc' })).resolves.toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringMatching(/id/) } });
    expect(chooseExportFolder).not.toHaveBeenCalled();
    expect(saveExportToFolder).not.toHaveBeenCalled();
  });
});

describe('the engine host answers save-export', () => {
  it('with writeTo’s error as a Result (an export that does not exist)', async () => {
    const tmp = tempDir('kw-save-host-');
    const toMain: HostToMain[] = [];
    let deliver: (m: unknown) => void = () => undefined;
    const port: MessageEnd<unknown, HostToMain> = { postMessage: (m) => void toMain.push(m), onMessage: (l) => void (deliver = l) };
    const service = new EngineHostService(port, { exit: () => undefined, statusIntervalMs: 60_000 }).listen();
    try {
      const send = (m: MainToHost) => deliver(m);
      send({ type: 'start', config: { dataDir: join(tmp.dir, 'data'), recordingsDir: join(tmp.dir, 'rec'), resourcesDir: null, staticDir: null, token: 't'.repeat(32), port: 0, secretKey: null } });
      await expect.poll(() => toMain.find((m) => m.type === 'ready' || m.type === 'fatal')?.type, { timeout: 20_000 }).toBe('ready');
      mkdirSync(join(tmp.dir, 'parent'));
      send({ type: 'save-export', id: 9, exportId: 424242, parentDir: join(tmp.dir, 'parent') });
      await expect.poll(() => toMain.find((m) => m.type === 'result' && m.id === 9), { timeout: 10_000 }).toEqual({
        type: 'result',
        id: 9,
        result: { ok: false, error: { code: 'not_found', message: 'no export with id 424242' } },
      });
    } finally {
      await service.handle({ type: 'stop' });
      tmp.cleanup();
    }
  }, 40_000);
});
