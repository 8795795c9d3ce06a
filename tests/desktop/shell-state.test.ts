/**
 * The desktop shell's local state, without Electron: the credentials key
 * sealed by safeStorage (a fake keychain), the shell's settings file, the
 * first-run folder choice (fake dialogs) and start at login.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SealedKeyError, secretBoxFor, unsealCredentialsKey, type SafeStorageLike } from '../../main/electron/safe-storage-box.ts';
import { DEFAULT_DESKTOP_SETTINGS, loadDesktopSettings, saveDesktopSettings } from '../../main/electron/desktop-settings.ts';
import { formatBytes } from '../../preload/format-bytes.ts';
import { chooseRecordingsFolder, describeFolder, recordingsFolderAtLaunch, recordingsFolderProblem, volumeOf } from '../../main/electron/first-run.ts';
import { autostartEntry, launchedHidden, linuxAutostartFile, quoteExecArg, setStartAtLogin } from '../../main/electron/autostart.ts';
import { openCredentials, sealCredentials } from '../../main/engine/secrets/secret-box.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir('kw-shell-');
afterAll(() => tmp.cleanup());
let n = 0;
const fresh = () => {
  const d = join(tmp.dir, `d${n++}`);
  mkdirSync(d);
  return d;
};

/** A keychain: "encrypts" by XOR with a secret only it knows, so a sealed file is not the plain key. */
function keychain(opts: { available?: boolean; backend?: string } = {}): SafeStorageLike & { secret: number } {
  const secret = 0x5a;
  return {
    secret,
    isEncryptionAvailable: () => opts.available ?? true,
    getSelectedStorageBackend: () => opts.backend ?? 'gnome_libsecret',
    encryptString: (plain: string) => Buffer.from(Buffer.from(plain, 'utf8').map((b) => b ^ secret)),
    decryptString: (sealed: Buffer) => {
      if (sealed[0] === 0) throw new Error('keychain refused');
      return Buffer.from(sealed.map((b) => b ^ secret)).toString('utf8');
    },
  } as never;
}

describe('credentials key sealed by safeStorage', () => {
  it('creates a sealed key on first run and unseals the same key later; credentials round-trip', () => {
    const dir = fresh();
    const first = unsealCredentialsKey(dir, keychain(), 'linux');
    expect(first).toMatchObject({ kind: 'safe-storage', created: true });
    const sealedFile = join(dir, 'secret.key.sealed');
    expect(statSync(sealedFile).mode & 0o777).toBe(0o600);
    const key = (first as { key: Buffer }).key;
    expect(key.length).toBe(32);
    expect(readFileSync(sealedFile).includes(Buffer.from(key.toString('base64')))).toBe(false); // not stored in the clear
    expect(existsSync(join(dir, 'secret.key'))).toBe(false);

    const again = unsealCredentialsKey(dir, keychain(), 'linux');
    expect(again).toMatchObject({ kind: 'safe-storage', created: false });
    expect((again as { key: Buffer }).key.equals(key)).toBe(true);

    const sealed = sealCredentials(secretBoxFor(key), { username: 'admin', password: 'pa55' });
    expect(openCredentials(secretBoxFor((again as { key: Buffer }).key), sealed)).toEqual({ username: 'admin', password: 'pa55' });
  });

  it('keeps the key file of a folder made by headless mode', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'secret.key'), Buffer.alloc(32, 1));
    expect(unsealCredentialsKey(dir, keychain(), 'linux')).toEqual({ kind: 'key-file', reason: expect.stringMatching(/headless/) });
    expect(existsSync(join(dir, 'secret.key.sealed'))).toBe(false);
  });

  it('falls back to the key file when there is no keychain, or only Linux\'s hard-coded "basic_text"', () => {
    expect(unsealCredentialsKey(fresh(), keychain({ available: false }), 'win32')).toMatchObject({ kind: 'key-file', reason: /not available/ });
    expect(unsealCredentialsKey(fresh(), keychain({ backend: 'basic_text' }), 'linux')).toMatchObject({ kind: 'key-file', reason: /basic_text/ });
    expect(unsealCredentialsKey(fresh(), keychain({ backend: 'basic_text' }), 'darwin')).toMatchObject({ kind: 'safe-storage' });
  });

  it('never replaces a sealed key the keychain cannot open (that would orphan every password)', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'secret.key.sealed'), Buffer.from([0, 1, 2]));
    expect(() => unsealCredentialsKey(dir, keychain(), 'linux')).toThrow(SealedKeyError);
    expect(() => unsealCredentialsKey(dir, keychain({ available: false }), 'linux')).toThrow(/not available/);
    expect(readFileSync(join(dir, 'secret.key.sealed'))).toEqual(Buffer.from([0, 1, 2]));
  });

  it('refuses a sealed file that does not hold a 32-byte key', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'secret.key.sealed'), keychain().encryptString(Buffer.alloc(8).toString('base64')));
    expect(() => unsealCredentialsKey(dir, keychain(), 'linux')).toThrow(/does not hold/);
  });
});

describe('desktop settings file', () => {
  it('defaults, round-trips, and survives garbage', () => {
    const file = join(fresh(), 'desktop.json');
    expect(loadDesktopSettings(file)).toEqual(DEFAULT_DESKTOP_SETTINGS);
    const s = { recordingsDir: '/media/video/keepwatch', startAtLogin: true, port: 48123, trayHintShown: true };
    saveDesktopSettings(file, s);
    expect(loadDesktopSettings(file)).toEqual(s);
    writeFileSync(file, '{not json');
    expect(loadDesktopSettings(file)).toEqual(DEFAULT_DESKTOP_SETTINGS);
    writeFileSync(file, JSON.stringify({ recordingsDir: 7, startAtLogin: 'yes', port: 80, extra: 1 }));
    expect(loadDesktopSettings(file)).toEqual(DEFAULT_DESKTOP_SETTINGS);
  });
});

describe('first run: the recordings folder', () => {
  it('formats sizes for people (SI units, the one formatBytes)', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1_500_000)).toBe('1.5 MB');
    expect(formatBytes(512_000_000_000)).toBe('512 GB');
    expect(formatBytes(4_000_000_000_000)).toBe('4 TB');
  });

  it('reads the free space of the volume a folder would be on, even before it exists', () => {
    const v = volumeOf(join(tmp.dir, 'not', 'yet', 'there'));
    expect(v!.totalBytes).toBeGreaterThan(0);
    expect(v!.freeBytes).toBeGreaterThanOrEqual(0);
    expect(describeFolder('/x', { freeBytes: 2e9, totalBytes: 1e12 })).toMatch(/2 GB free of 1 TB[\s\S]*delete the oldest footage early/);
    expect(describeFolder('/x', { freeBytes: 800e9, totalBytes: 1e12 })).toBe('/x\n800 GB free of 1 TB');
  });

  it('refuses unusable folders', () => {
    const file = join(fresh(), 'a-file');
    writeFileSync(file, 'x');
    expect(recordingsFolderProblem('relative/path')).toMatch(/full folder path/);
    expect(recordingsFolderProblem('/')).toMatch(/root/);
    expect(recordingsFolderProblem(file)).toMatch(/is a file/);
    expect(recordingsFolderProblem(join(tmp.dir, 'new-folder'))).toBeNull();
  });

  it('asks until a usable folder is chosen; quitting records nowhere', async () => {
    const suggested = join(fresh(), 'Keepwatch');
    const picked = fresh();
    const dialog = {
      showMessageBox: vi.fn().mockResolvedValueOnce({ response: 1 }).mockResolvedValueOnce({ response: 0 }),
      showOpenDialog: vi.fn().mockResolvedValue({ canceled: false, filePaths: [picked] }),
    };
    await expect(chooseRecordingsFolder(dialog as never, suggested)).resolves.toBe(picked);
    expect(dialog.showMessageBox.mock.calls[0][0].detail).toContain(suggested);
    expect(dialog.showMessageBox.mock.calls[1][0].detail).toMatch(/free of/);

    const quitter = { showMessageBox: vi.fn().mockResolvedValue({ response: 2 }), showOpenDialog: vi.fn() };
    await expect(chooseRecordingsFolder(quitter as never, suggested)).resolves.toBeNull();
    const closes = { showMessageBox: vi.fn().mockResolvedValue({ response: 0 }), showOpenDialog: vi.fn() };
    await expect(chooseRecordingsFolder(closes as never, suggested)).resolves.toBe(suggested);
  });
});

describe('the recordings folder at launch', () => {
  it('uses the saved folder when it is there, without asking', async () => {
    const saved = fresh();
    const dialog = { showMessageBox: vi.fn(), showOpenDialog: vi.fn() };
    await expect(recordingsFolderAtLaunch(dialog as never, saved, '/unused')).resolves.toBe(saved);
    expect(dialog.showMessageBox).not.toHaveBeenCalled();
  });

  it('never silently re-creates a missing folder (an unplugged drive)', async () => {
    const saved = join(tmp.dir, 'unplugged-drive', 'Keepwatch');
    const quit = { showMessageBox: vi.fn().mockResolvedValue({ response: 3 }), showOpenDialog: vi.fn() };
    await expect(recordingsFolderAtLaunch(quit as never, saved, '/unused')).resolves.toBeNull();
    expect(quit.showMessageBox.mock.calls[0][0].detail).toContain(saved);
    expect(existsSync(saved)).toBe(false);

    // "Try again" after the drive is back.
    const retry = {
      showMessageBox: vi.fn().mockImplementation(async () => {
        mkdirSync(saved, { recursive: true });
        return { response: 0 };
      }),
      showOpenDialog: vi.fn(),
    };
    await expect(recordingsFolderAtLaunch(retry as never, saved, '/unused')).resolves.toBe(saved);
    expect(retry.showMessageBox).toHaveBeenCalledTimes(1);

    const create = { showMessageBox: vi.fn().mockResolvedValue({ response: 2 }), showOpenDialog: vi.fn() };
    await expect(recordingsFolderAtLaunch(create as never, join(tmp.dir, 'gone'), '/unused')).resolves.toBe(join(tmp.dir, 'gone'));
  });

  it('asks on first run', async () => {
    const suggested = join(fresh(), 'Keepwatch');
    const dialog = { showMessageBox: vi.fn().mockResolvedValue({ response: 0 }), showOpenDialog: vi.fn() };
    await expect(recordingsFolderAtLaunch(dialog as never, null, suggested)).resolves.toBe(suggested);
    expect(dialog.showMessageBox.mock.calls[0][0].message).toBe('Choose the folder for your recordings');
  });
});

describe('start at login', () => {
  it('quotes Exec arguments per the desktop entry spec', () => {
    expect(quoteExecArg('/opt/Keepwatch/keepwatch')).toBe('/opt/Keepwatch/keepwatch');
    expect(quoteExecArg('/home/a b/Keepwatch.AppImage')).toBe('"/home/a b/Keepwatch.AppImage"');
    expect(quoteExecArg('/x/$HOME`id`"q"\\')).toBe('"/x/\\$HOME\\`id\\`\\"q\\"\\\\"');
    expect(quoteExecArg('/x/100%')).toBe('"/x/100%%"');
    expect(() => quoteExecArg('/x\n[Desktop Entry]')).toThrow(/control/);
    expect(autostartEntry(['/home/a b/K.AppImage', '--hidden'])).toContain('Exec="/home/a b/K.AppImage" --hidden\n');
  });

  it('writes and removes an XDG autostart entry on Linux', () => {
    const home = fresh();
    const app = { setLoginItemSettings: vi.fn() };
    const ctx = { platform: 'linux' as const, app, executable: '/apps/Keepwatch.AppImage', env: { HOME: home } };
    setStartAtLogin(true, ctx);
    const file = linuxAutostartFile({ HOME: home });
    expect(file).toBe(join(home, '.config', 'autostart', 'keepwatch.desktop'));
    expect(readFileSync(file, 'utf8')).toMatch(/^\[Desktop Entry\]\nType=Application\nName=Keepwatch\n[\s\S]*Exec=\/apps\/Keepwatch\.AppImage --hidden\n/);
    setStartAtLogin(false, ctx);
    expect(existsSync(file)).toBe(false);
    expect(app.setLoginItemSettings).not.toHaveBeenCalled();
    expect(linuxAutostartFile({ HOME: home, XDG_CONFIG_HOME: '/cfg' })).toBe('/cfg/autostart/keepwatch.desktop');
  });

  it('uses Electron login items on macOS and Windows, started hidden', () => {
    const app = { setLoginItemSettings: vi.fn() };
    setStartAtLogin(true, { platform: 'win32', app, executable: 'C:\\K.exe', env: {} });
    setStartAtLogin(false, { platform: 'darwin', app, executable: '/Applications/K.app', env: {} });
    expect(app.setLoginItemSettings.mock.calls).toEqual([[{ openAtLogin: true, args: ['--hidden'] }], [{ openAtLogin: false, args: [] }]]);
    expect(launchedHidden(['/x/keepwatch', '--hidden'])).toBe(true);
    expect(launchedHidden(['/x/keepwatch'])).toBe(false);
    expect(launchedHidden(['/x/keepwatch'], true)).toBe(true);
  });
});
