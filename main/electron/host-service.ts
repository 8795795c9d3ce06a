/**
 * The engine host: runs inside an Electron utility process (engine-host.ts is
 * the entry) and answers the main process over its MessagePort. No electron
 * import: it is the headless stack (engine + loopback HTTP/WebSocket server)
 * with a per-launch token, driven by messages, so it is tested in plain Node.
 *
 * Why a separate process: SQLite, retention and ffmpeg supervision never
 * block the window, and a crash here does not take the UI down.
 */
import { startHeadless, type Headless } from '../headless.ts';
import { redact } from '../engine/redact.ts';
import type { OperationName, Result, SavedExport } from '../../preload/api.ts';
import { ApiFailure } from '../engine/errors.ts';
import { httpRoutes } from '../../preload/http-routes.ts';
import { secretBoxFor } from './safe-storage-box.ts';
import { isMainToHost, type DesktopAlert, type HostStartConfig, type HostToMain, type MainToHost, type MessageEnd } from './host-protocol.ts';
import type { DetectionAlert } from '../engine/detection/detection-service.ts';

/** The notification text of an alert: "Person in Driveway" on "Front door". */
export function desktopAlert(a: DetectionAlert): DesktopAlert {
  const what = a.item.labels.length ? a.item.labels.map((l) => l[0].toUpperCase() + l.slice(1)).join(', ') : 'Activity';
  const where = a.item.zones.length ? ` in ${a.item.zones.join(', ')}` : '';
  return { reviewId: a.item.id, cameraId: a.camera.id, title: a.camera.name, body: `${what}${where}`, jpegBase64: a.jpeg ? a.jpeg.toString('base64') : null };
}

/**
 * Operations that may change what the tray shows (cameras, settings): those
 * whose HTTP route is not a GET (preload/http-routes.ts; GET changes nothing).
 * A few of them change nothing the tray sees (verify, discovery, PTZ); they
 * only cost one coalesced status message.
 */
export const STATUS_CHANGING_OPS: ReadonlySet<OperationName> = new Set(httpRoutes.filter((r) => r.method !== 'GET').map((r) => r.op));

/** Operations whose result carries a new session's secret: over IPC only `user` is passed on (the desktop needs no session). */
const SESSION_STARTING_OPS: ReadonlySet<string> = new Set(httpRoutes.filter((r) => r.session === 'start').map((r) => r.op));

export interface HostServiceOptions {
  /** How often storage status is re-sent even without camera changes. */
  statusIntervalMs?: number;
  /** Camera status changes are coalesced for this long before one status message. */
  statusDebounceMs?: number;
  exit?: (code: number) => void;
  /** Extra options for the engine (tests: recorder timings, fake ffmpeg). */
  engineOverrides?: Partial<Parameters<typeof startHeadless>[0]>;
}

export class EngineHostService {
  private app: Headless | null = null;
  private starting = false;
  private statusTimer: NodeJS.Timeout | null = null;
  private debounce: NodeJS.Timeout | null = null;

  constructor(
    private readonly port: MessageEnd<unknown, HostToMain>,
    private readonly options: HostServiceOptions = {},
  ) {}

  listen(): this {
    this.port.onMessage((message) => {
      if (!isMainToHost(message)) return;
      void this.handle(message);
    });
    return this;
  }

  async handle(message: MainToHost): Promise<void> {
    switch (message.type) {
      case 'start':
        return this.start(message.config);
      case 'call': {
        const result = await this.call(message.op, message.input);
        this.port.postMessage({ type: 'result', id: message.id, result });
        // A change (camera added, removed, disabled; settings) shows in the tray at once.
        if (result.ok && STATUS_CHANGING_OPS.has(message.op)) this.statusSoon();
        return;
      }
      case 'save-export':
        return this.port.postMessage({ type: 'result', id: message.id, result: await this.saveExport(message.exportId, message.parentDir) });
      case 'stop':
        return this.stop();
    }
  }

  private async start(config: HostStartConfig): Promise<void> {
    if (this.app || this.starting) return;
    this.starting = true;
    try {
      const secretBox = config.secretKey ? secretBoxFor(Buffer.from(config.secretKey, 'base64')) : undefined;
      const launch = (port: number) =>
        startHeadless({
          dataDir: config.dataDir,
          recordingsDir: config.recordingsDir,
          resourcesDir: config.resourcesDir,
          staticDir: config.staticDir,
          token: config.token,
          host: '127.0.0.1',
          port,
          secretBox,
          ...this.options.engineOverrides,
        });
      try {
        this.app = await launch(config.port);
      } catch (err) {
        // The remembered port is taken (another program got it): any free port will do.
        if (config.port === 0 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
        this.app = await launch(0);
      }
    } catch (err) {
      this.starting = false;
      this.port.postMessage({ type: 'fatal', message: redact((err as Error)?.message ?? String(err)) });
      return;
    }
    this.starting = false;
    const app = this.app;
    this.port.postMessage({ type: 'ready', port: app.port, recordingsRoot: app.engine.store.recordingsRoot });
    app.engine.on('status', () => this.statusSoon());
    // Desktop notifications: only alerts of cameras the user opted into.
    app.engine.on('alert', (alert: DetectionAlert) => {
      if (alert.notify) this.port.postMessage({ type: 'alert', alert: desktopAlert(alert) });
    });
    this.statusTimer = setInterval(() => void this.sendStatus(), this.options.statusIntervalMs ?? 15_000);
    this.statusTimer.unref?.();
    await this.sendStatus();
  }

  private async call(op: string, input: unknown): Promise<Result<unknown>> {
    if (!this.app) return { ok: false, error: { code: 'unavailable', message: 'Keepwatch is still starting' } };
    // The dispatcher validates the input against the contract again and knows every operation.
    // The desktop's local user is the owner (docs/users.md).
    const result = await this.app.dispatcher.dispatch(op as never, input, { caller: this.app.localCaller });
    if (result.ok && SESSION_STARTING_OPS.has(op)) return { ok: true, value: { user: (result.value as { user: unknown }).user } };
    return result;
  }

  private async saveExport(exportId: number, parentDir: string): Promise<Result<SavedExport>> {
    if (!this.app) return { ok: false, error: { code: 'unavailable', message: 'Keepwatch is still starting' } };
    try {
      return { ok: true, value: await this.app.engine.exports.writeTo(exportId, parentDir) };
    } catch (err) {
      if (err instanceof ApiFailure) return { ok: false, error: err.toJSON() };
      return { ok: false, error: { code: 'internal', message: `could not save the export: ${redact((err as Error).message)}` } };
    }
  }

  private statusSoon(): void {
    if (this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = null;
      void this.sendStatus();
    }, this.options.statusDebounceMs ?? 300);
  }

  private async sendStatus(): Promise<void> {
    const result = await this.call('getStatus', {});
    if (result.ok) this.port.postMessage({ type: 'status', status: result.value as never });
  }

  private async stop(): Promise<void> {
    if (this.statusTimer) clearInterval(this.statusTimer);
    if (this.debounce) clearTimeout(this.debounce);
    this.statusTimer = this.debounce = null;
    const app = this.app;
    this.app = null;
    // Open segments are finished and fsynced before the engine reports stopped.
    if (app) await app.stop();
    this.port.postMessage({ type: 'stopped' });
    this.options.exit?.(0);
  }
}
