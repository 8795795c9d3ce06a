/**
 * SQLite's WAL checkpoints, off the event loop. better-sqlite3 is synchronous,
 * and a checkpoint is the one moment the index fsyncs its database file: left
 * to SQLite's auto-checkpoint it would run inside whichever insert crosses
 * 1000 pages, on the main thread, and a slow disk would freeze the engine for
 * as long as that fsync takes. So the engine's connection never checkpoints
 * (wal_autocheckpoint = 0, database.ts) and a worker thread with a connection
 * of its own runs a PASSIVE checkpoint every few seconds (less and less often
 * while nothing is written, up to a minute): it never blocks the engine's
 * readers or writers. If the worker cannot run, SQLite's own
 * auto-checkpoint is switched back on, so the WAL never grows without bound.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Clock, TimerHandle } from '../clock.ts';

// The worker's whole program (CommonJS, evaluated: no file to find in a packaged app).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
parentPort.on('message', (seq) => {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ seq, ok: true, walPages: r.log, checkpointed: r.checkpointed });
  } catch (err) {
    parentPort.postMessage({ seq, ok: false, message: String((err && err.message) || err) });
  }
});
`;

export interface CheckpointResult {
  /** Pages in the WAL, and how many of them are now in the database file. */
  walPages: number;
  checkpointed: number;
}

export class Checkpointer {
  private worker: Worker | null = null;
  private timer: TimerHandle | null = null;
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (r: CheckpointResult) => void; reject: (e: Error) => void }>();
  private closed = false;
  /** The wait before the next checkpoint: everyMs after a write, doubling up to maxIdleMs while nothing is written. */
  private waitMs: number;
  private lastWalPages = -1;

  constructor(
    private readonly file: string,
    private readonly clock: Clock,
    /** Called once if the worker cannot run: the caller turns SQLite's own checkpoints back on. */
    private readonly onUnavailable: (reason: string) => void,
    private readonly everyMs = 5000,
    private readonly maxIdleMs = 60_000,
  ) {
    this.waitMs = everyMs;
  }

  start(): void {
    this.schedule();
  }

  /** Runs a checkpoint now (on the worker). */
  checkpoint(): Promise<CheckpointResult> {
    if (this.closed) return Promise.reject(new Error('the index is closed'));
    const worker = this.ensureWorker();
    if (!worker) return Promise.reject(new Error('no checkpoint worker'));
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.waiting.set(seq, { resolve, reject });
      worker.postMessage(seq);
    });
  }

  close(): void {
    this.closed = true;
    this.clock.clearTimeout(this.timer);
    void this.worker?.terminate();
    this.worker = null;
    for (const w of this.waiting.values()) w.reject(new Error('the index is closed'));
    this.waiting.clear();
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = this.clock.setTimeout(() => {
      this.checkpoint()
        .then((r) => {
          // An idle index (no new WAL pages) is looked at less and less often:
          // an idle engine should not wake a thread every few seconds for nothing.
          const idle = r.walPages === this.lastWalPages && r.checkpointed === r.walPages;
          this.waitMs = idle ? Math.min(this.waitMs * 2, this.maxIdleMs) : this.everyMs;
          this.lastWalPages = r.walPages;
        })
        .catch(() => undefined)
        .finally(() => this.schedule());
    }, this.waitMs);
  }

  private ensureWorker(): Worker | null {
    if (this.worker) return this.worker;
    try {
      const module = createRequire(import.meta.url).resolve('better-sqlite3');
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, file: this.file } });
      worker.unref();
      worker.on('message', (m: { seq: number; ok: boolean; walPages?: number; checkpointed?: number; message?: string }) => {
        const w = this.waiting.get(m.seq);
        this.waiting.delete(m.seq);
        if (m.ok) w?.resolve({ walPages: m.walPages!, checkpointed: m.checkpointed! });
        else w?.reject(new Error(m.message));
      });
      worker.on('error', (err) => this.fail(err.message));
      worker.on('exit', () => {
        if (!this.closed) this.fail('the checkpoint worker exited');
      });
      this.worker = worker;
      return worker;
    } catch (err) {
      this.fail((err as Error).message);
      return null;
    }
  }

  private fail(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.clock.clearTimeout(this.timer);
    this.worker = null;
    for (const w of this.waiting.values()) w.reject(new Error(reason));
    this.waiting.clear();
    this.onUnavailable(reason);
  }
}
