/**
 * Main process side of the engine host: starts it, relays operation calls to
 * it, receives its status, stops it cleanly. The utility
 * process is injected (ChildLike), so this runs in tests against the real
 * EngineHostService through an in-memory pair, without Electron.
 */
import { EventEmitter } from 'node:events';
import type { EngineStatus, OperationName, Result, SavedExport } from '../../preload/api.ts';
import { isHostToMain, type DesktopAlert, type HostStartConfig, type HostToMain, type MainToHost } from './host-protocol.ts';

/** What main needs of Electron's UtilityProcess. */
export interface ChildLike {
  postMessage(message: MainToHost): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  kill(): boolean;
}

export interface EngineClientEvents {
  status: [EngineStatus];
  /** A detection alert to show as a desktop notification. */
  alert: [DesktopAlert];
  /** The host exited; `expected` is false for a crash. */
  exit: [code: number, expected: boolean];
}

type Pending = { resolve: (r: Result<never>) => void; timer: NodeJS.Timeout };

export class EngineClient extends EventEmitter<EngineClientEvents> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private exited = false;
  private stopping = false;
  private readyWaiter: { resolve: (r: { port: number; recordingsRoot: string }) => void; reject: (e: Error) => void } | null = null;
  private stoppedWaiter: (() => void) | null = null;

  constructor(
    private readonly child: ChildLike,
    private readonly callTimeoutMs = 120_000,
  ) {
    super();
    child.on('message', (message) => {
      if (isHostToMain(message)) this.onMessage(message);
    });
    child.on('exit', (code) => this.onExit(code));
  }

  /** Starts the engine; resolves with the loopback port once it records and serves. */
  start(config: HostStartConfig): Promise<{ port: number; recordingsRoot: string }> {
    return new Promise((resolve, reject) => {
      this.readyWaiter = { resolve, reject };
      this.child.postMessage({ type: 'start', config });
    });
  }

  call(op: OperationName, input: unknown): Promise<Result<unknown>> {
    return this.request((id) => ({ type: 'call', id, op, input }));
  }

  /** Desktop "Save to folder…": the host copies the export into `parentDir` and verifies the copy. */
  saveExport(exportId: number, parentDir: string): Promise<Result<SavedExport>> {
    return this.request((id) => ({ type: 'save-export', id, exportId, parentDir }));
  }

  /** Asks the engine to finish its segments and exit; kills it after `timeoutMs`. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (this.exited) return;
    this.stopping = true;
    const done = new Promise<void>((resolve) => (this.stoppedWaiter = resolve));
    this.child.postMessage({ type: 'stop' });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const outcome = await Promise.race([done, timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') this.child.kill();
  }

  private request<T>(build: (id: number) => MainToHost): Promise<Result<T>> {
    if (this.exited) return Promise.resolve(unavailable('the Keepwatch engine is not running'));
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(unavailable('the Keepwatch engine did not answer in time'));
      }, this.callTimeoutMs);
      this.pending.set(id, { resolve: resolve as (r: Result<never>) => void, timer });
      this.child.postMessage(build(id));
    });
  }

  private settle(id: number, result: Result<unknown>): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    clearTimeout(entry.timer);
    entry.resolve(result as Result<never>);
  }

  private onMessage(message: HostToMain): void {
    switch (message.type) {
      case 'ready':
        this.readyWaiter?.resolve({ port: message.port, recordingsRoot: message.recordingsRoot });
        this.readyWaiter = null;
        return;
      case 'fatal':
        this.readyWaiter?.reject(new Error(message.message));
        this.readyWaiter = null;
        return;
      case 'result':
        return this.settle(message.id, message.result);
      case 'status':
        this.emit('status', message.status);
        return;
      case 'alert':
        this.emit('alert', message.alert);
        return;
      case 'stopped':
        this.stoppedWaiter?.();
        return;
    }
  }

  private onExit(code: number): void {
    this.exited = true;
    for (const [id] of this.pending) this.settle(id, unavailable('the Keepwatch engine stopped'));
    this.readyWaiter?.reject(new Error(`the Keepwatch engine exited during start-up (code ${code})`));
    this.readyWaiter = null;
    this.stoppedWaiter?.();
    this.emit('exit', code, this.stopping);
  }
}

function unavailable(message: string): { ok: false; error: { code: 'unavailable'; message: string } } {
  return { ok: false, error: { code: 'unavailable', message } };
}
