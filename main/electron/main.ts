/**
 * Keepwatch desktop: the Electron main process. Thin on purpose: the engine
 * runs in a utility process (engine-host.ts), every hardening decision lives
 * in security.ts, the tray's wording in tray-status.ts. See docs/desktop.md.
 *
 * Start-up order: app-data folder → single-instance lock → ready → session hardening → desktop settings and, on first run,
 * the recordings folder → credentials key (safeStorage) → engine host →
 * IPC → window → tray.
 *
 * The window shows the engine's own loopback server (http://127.0.0.1:PORT,
 * per-launch token in an HttpOnly cookie), so live view, snapshots and media
 * work exactly as in a browser; operations go through the preload bridge.
 */
import { app, BrowserWindow, dialog, ipcMain, safeStorage, session, shell, utilityProcess } from 'electron';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineStatus } from '../../preload/api.ts';
import { buildCsp, hardenSession, hardenWebContents, ipcSenderAllowed, secureWebPreferences, type HardeningContext } from './security.ts';
import { registerDesktopHandlers, registerOperationHandlers } from './ipc.ts';
import { createExportSaver, pickExportFolder } from './export-save.ts';
import { EngineClient } from './engine-client.ts';
import { loadDesktopSettings, saveDesktopSettings, type DesktopSettings } from './desktop-settings.ts';
import { recordingsFolderAtLaunch } from './first-run.ts';
import { unsealCredentialsKey, SealedKeyError } from './safe-storage-box.ts';
import { launchedHidden, setStartAtLogin } from './autostart.ts';
import { DesktopTray, notify, notifyAlert } from './tray.ts';
import { WINDOW_ICON } from './icons.ts';
import type { TrayInput } from './tray-status.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const PATHS = {
  preload: join(HERE, '../preload/index.cjs'),
  engineHost: join(HERE, 'engine-host.js'),
  renderer: join(HERE, '../renderer'),
  schema: join(HERE, 'schema'),
};
/** electron-vite dev: the renderer comes from Vite, which proxies /api to the engine on DEV_API_PORT. */
const DEV_RENDERER_URL = app.isPackaged ? null : (process.env.ELECTRON_RENDERER_URL ?? null);
const DEV_API_PORT = 8751;
const TOKEN_COOKIE = 'kw_token';

function log(message: string): void {
  process.stdout.write(`[keepwatch] ${message}\n`);
}

// --- before ready ------------------------------------------------------------

// The app-data folder (KEEPWATCH_DATA_DIR: a throw-away folder for tests). It
// must be set before the single-instance lock, which lives in it.
const dataRoot = process.env.KEEPWATCH_DATA_DIR ? resolve(process.env.KEEPWATCH_DATA_DIR) : join(app.getPath('appData'), 'Keepwatch');
app.setPath('userData', dataRoot);
const engineDataDir = join(dataRoot, 'engine');
const settingsFile = join(dataRoot, 'desktop.json');

const state = {
  settings: null as DesktopSettings | null,
  client: null as EngineClient | null,
  window: null as BrowserWindow | null,
  tray: null as DesktopTray | null,
  token: randomBytes(32).toString('base64url'),
  pageUrl: '',
  loopbackOrigin: '',
  recordingsRoot: '',
  engine: { state: 'starting' } as TrayInput['engine'],
  status: null as EngineStatus | null,
  windowIds: new Set<number>(),
  quitting: false,
  stopping: false,
  stopped: false,
  restarts: 0,
};

/** Shared with every hardening callback; origins and CSP are filled in once the engine listens. */
const hardening: HardeningContext = { origins: { pages: [] }, csp: '', shell, log };

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  if (process.platform === 'win32') app.setAppUserModelId('org.keepwatch.desktop');
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, hardening));
  app.on('second-instance', () => showWindow());
  app.on('activate', () => showWindow());
  // Closing the window keeps recording in the tray; only "Quit and stop recording" (or Cmd+Q) ends it.
  app.on('window-all-closed', () => undefined);
  app.on('before-quit', (event) => beforeQuit(event));
  app
    .whenReady()
    .then(boot)
    .catch((err: Error) => {
      log(`could not start: ${err.message}`);
      dialog.showErrorBox('Keepwatch could not start', err.message);
      state.stopped = true;
      app.exit(1);
    });
}

// --- start-up ------------------------------------------------------------------

async function boot(): Promise<void> {
  hardenSession(session.defaultSession, hardening);
  mkdirSync(engineDataDir, { recursive: true });
  const settings = loadDesktopSettings(settingsFile);
  state.settings = settings;

  const recordingsDir = process.env.KEEPWATCH_RECORDINGS_DIR
    ? resolve(process.env.KEEPWATCH_RECORDINGS_DIR)
    : await recordingsFolderAtLaunch(dialog, settings.recordingsDir, join(app.getPath('videos'), 'Keepwatch'));
  if (!recordingsDir) {
    state.stopped = true;
    app.quit();
    return;
  }
  if (recordingsDir !== settings.recordingsDir) saveSettings({ recordingsDir });

  const key = unsealKey();
  registerOperationHandlers({
    ipcMain,
    senderAllowed: (sender) => ipcSenderAllowed(sender, { origins: hardening.origins, webContentsIds: state.windowIds }),
    forward: (op, input) => state.client?.call(op, input) ?? Promise.resolve(notRunning()),
    log,
  });
  const exportSaver = createExportSaver({
    chooseFolder: (exportId) => pickExportFolder(dialog, state.window, exportId, app.getPath('documents')),
    writeTo: (exportId, parentDir) => state.client?.saveExport(exportId, parentDir) ?? Promise.resolve(notRunning()),
  });
  registerDesktopHandlers({
    ipcMain,
    senderAllowed: (sender) => ipcSenderAllowed(sender, { origins: hardening.origins, webContentsIds: state.windowIds }),
    handlers: { chooseExportFolder: (input) => exportSaver.choose(input), saveExportToFolder: (input) => exportSaver.save(input) },
    log,
  });

  await startEngine(recordingsDir, key);
  state.tray = new DesktopTray({
    open: () => showWindow(),
    openRecordingsFolder: () => void shell.openPath(state.recordingsRoot),
    startAtLogin: () => state.settings?.startAtLogin ?? false,
    setStartAtLogin: (enabled) => toggleStartAtLogin(enabled),
    quit: () => app.quit(),
  });
  updateTray();
  const wasOpenedAtLogin = process.platform !== 'linux' && app.getLoginItemSettings().wasOpenedAtLogin;
  createWindow(launchedHidden(process.argv, wasOpenedAtLogin));
}

function unsealKey(): string | null {
  try {
    const key = unsealCredentialsKey(engineDataDir, safeStorage);
    if (key.kind === 'safe-storage') return key.key.toString('base64');
    log(`camera credentials use the key file in ${engineDataDir}: ${key.reason}`);
    return null;
  } catch (err) {
    if (err instanceof SealedKeyError) throw new Error(`${err.message}. Cameras with passwords cannot connect until the keychain is available.`);
    throw err;
  }
}

async function startEngine(recordingsDir: string, secretKey: string | null): Promise<void> {
  const child = utilityProcess.fork(PATHS.engineHost, [], {
    serviceName: 'Keepwatch engine',
    stdio: 'inherit',
    env: { ...process.env, KEEPWATCH_SCHEMA_DIR: PATHS.schema },
  });
  const client = new EngineClient(child);
  state.client = client;
  client.on('status', (status) => {
    state.status = status;
    updateTray();
  });
  client.on('alert', (alert) => notifyAlert(alert));
  client.on('exit', (code, expected) => {
    if (!expected && !state.quitting) void engineCrashed(code, recordingsDir, secretKey);
  });
  const { port, recordingsRoot } = await client.start({
    dataDir: engineDataDir,
    recordingsDir,
    // Packaged: <resources>/ffmpeg/<platform>-<arch>/ (electron-builder's extraResources); `npm run dev`: the same folders under resources/ in the checkout.
    resourcesDir: app.isPackaged ? process.resourcesPath : join(app.getAppPath(), 'resources'),
    staticDir: PATHS.renderer,
    token: state.token,
    port: DEV_RENDERER_URL ? DEV_API_PORT : (state.settings?.port ?? 0),
    secretKey,
  });
  state.engine = { state: 'running' };
  state.recordingsRoot = recordingsRoot;
  state.loopbackOrigin = `http://127.0.0.1:${port}`;
  const devOrigin = DEV_RENDERER_URL ? new URL(DEV_RENDERER_URL).origin : null;
  const pageOrigin = devOrigin ?? state.loopbackOrigin;
  hardening.origins = { pages: devOrigin ? [devOrigin, state.loopbackOrigin] : [state.loopbackOrigin] };
  hardening.csp = buildCsp({ appOrigin: pageOrigin, dev: devOrigin ? { origin: devOrigin } : null });
  state.pageUrl = DEV_RENDERER_URL ?? `${state.loopbackOrigin}/`;
  for (const origin of hardening.origins.pages) {
    await session.defaultSession.cookies.set({ url: `${origin}/`, name: TOKEN_COOKIE, value: state.token, httpOnly: true, sameSite: 'strict' });
  }
  if (!DEV_RENDERER_URL && port !== state.settings?.port) saveSettings({ port });
  log(`engine running; UI at ${state.loopbackOrigin}, recordings in ${recordingsRoot}`);
}

/** The engine must keep recording: restart it with backoff, then reload the window. */
async function engineCrashed(code: number, recordingsDir: string, secretKey: string | null): Promise<void> {
  state.client = null;
  state.restarts++;
  state.engine = { state: 'failed', message: `the recording engine stopped (exit code ${code}); restarting` };
  updateTray();
  const delay = Math.min(30_000, 1000 * 2 ** Math.min(state.restarts - 1, 5));
  await new Promise((r) => setTimeout(r, delay));
  if (state.quitting) return;
  try {
    await startEngine(recordingsDir, secretKey);
    updateTray();
    if (state.window && !state.window.isDestroyed()) void state.window.loadURL(state.pageUrl);
    setTimeout(() => (state.restarts = 0), 60_000).unref();
  } catch (err) {
    void engineCrashed(-1, recordingsDir, secretKey);
    log(`engine restart failed: ${(err as Error).message}`);
  }
}

// --- window ----------------------------------------------------------------------

function createWindow(hidden: boolean): void {
  const win = new BrowserWindow({
    width: 1360,
    height: 860,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'Keepwatch',
    backgroundColor: '#0d0f12',
    autoHideMenuBar: true,
    ...(process.platform === 'linux' ? { icon: WINDOW_ICON } : {}),
    webPreferences: secureWebPreferences(PATHS.preload, { devTools: !app.isPackaged }),
  });
  const id = win.webContents.id;
  state.window = win;
  state.windowIds.add(id);
  win.once('ready-to-show', () => {
    if (!hidden) win.show();
  });
  win.on('close', (event) => {
    if (state.quitting) return;
    event.preventDefault();
    win.hide();
    if (!state.settings?.trayHintShown) {
      notify('Keepwatch is still recording', 'It keeps running in the tray. To stop recording, choose "Quit and stop recording" from the tray menu.');
      saveSettings({ trayHintShown: true });
    }
  });
  win.on('closed', () => {
    state.windowIds.delete(id);
    if (state.window === win) state.window = null;
  });
  // The engine restarting or still binding its port: try again shortly.
  win.webContents.on('did-fail-load', (_e, code, description, url, isMainFrame) => {
    if (!isMainFrame || code === -3 /* ERR_ABORTED: a newer load replaced it */) return;
    log(`loading ${url} failed (${description}); retrying`);
    setTimeout(() => !win.isDestroyed() && void win.loadURL(state.pageUrl), 2000).unref();
  });
  win.webContents.on('render-process-gone', (_e, details) => {
    log(`renderer gone (${details.reason}); reloading`);
    if (!win.isDestroyed()) void win.loadURL(state.pageUrl);
  });
  void win.loadURL(state.pageUrl);
}

function showWindow(): void {
  const win = state.window;
  if (!win || win.isDestroyed()) {
    if (state.pageUrl) createWindow(false);
    return;
  }
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

// --- tray, settings, quit -------------------------------------------------------------

function updateTray(): void {
  state.tray?.update({
    engine: state.engine,
    cameras: state.status?.cameras ?? [],
    storageProblem: state.status?.storage.problem ?? null,
  });
}

function saveSettings(patch: Partial<DesktopSettings>): void {
  state.settings = { ...(state.settings ?? loadDesktopSettings(settingsFile)), ...patch };
  saveDesktopSettings(settingsFile, state.settings);
}

function toggleStartAtLogin(enabled: boolean): void {
  try {
    setStartAtLogin(enabled, { platform: process.platform, app, executable: process.env.APPIMAGE ?? process.execPath, env: process.env });
    saveSettings({ startAtLogin: enabled });
  } catch (err) {
    dialog.showErrorBox('Start at login', `Could not change the start-at-login setting: ${(err as Error).message}`);
  }
  state.tray?.refreshMenu();
}

function beforeQuit(event: { preventDefault(): void }): void {
  state.quitting = true;
  if (state.stopped) return;
  event.preventDefault();
  if (state.stopping) return;
  state.stopping = true;
  // Finish and fsync the open segments before the process goes away.
  void (state.client ? state.client.stop(15_000) : Promise.resolve()).finally(() => {
    state.stopped = true;
    state.tray?.destroy();
    app.quit();
  });
}

function notRunning(): { ok: false; error: { code: 'unavailable'; message: string } } {
  return { ok: false, error: { code: 'unavailable', message: 'the Keepwatch engine is not running' } };
}
