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
import { resolveSegmentFile } from '../engine/playback/media.ts';
import { ApiFailure } from '../engine/errors.ts';
import { redact } from '../engine/redact.ts';
import type { Result } from '../../preload/api.ts';
import { secretBoxFor } from './safe-storage-box.ts';
import { isMainToHost, type HostStartConfig, type HostToMain, type MainToHost, type MediaFile, type MessageEnd } from './host-protocol.ts';

/** Operations that change nothing (by naming convention of the contract). */
const READ_ONLY = /^(health|get|list|find|verify)/;

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
        if (result.ok && !READ_ONLY.test(message.op)) this.statusSoon();
        return;
      }
      case 'media':
        return this.port.postMessage({ type: 'media-file', id: message.id, result: this.media(message.segment) });
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
    this.statusTimer = setInterval(() => void this.sendStatus(), this.options.statusIntervalMs ?? 15_000);
    this.statusTimer.unref?.();
    await this.sendStatus();
  }

  private async call(op: string, input: unknown): Promise<Result<unknown>> {
    if (!this.app) return { ok: false, error: { code: 'unavailable', message: 'Keepwatch is still starting' } };
    // The dispatcher validates the input against the contract again and knows every operation.
    return this.app.dispatcher.dispatch(op as never, input);
  }

  private media(segment: number): Result<MediaFile> {
    if (!this.app) return { ok: false, error: { code: 'unavailable', message: 'Keepwatch is still starting' } };
    try {
      return { ok: true, value: resolveSegmentFile(this.app.engine.store, segment) };
    } catch (err) {
      if (err instanceof ApiFailure) return { ok: false, error: err.toJSON() };
      return { ok: false, error: { code: 'internal', message: redact((err as Error).message) } };
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
