/**
 * SHA-256 of the export's sources and outputs, computed on a worker thread
 * while the main thread reads and writes: an export hashes every byte twice
 * (the source file and the output), which on the main thread would make it
 * CPU-bound. The bytes are shared, not copied: source batches are read into
 * SharedArrayBuffers and the worker hashes views of them (the output's mdat
 * parts are views of the same batch; only the rebased moofs, a few hundred
 * bytes each, are copied).
 *
 * Two threads, one per pass (sources, outputs). Several digests run at once under string keys; updates of one key are
 * applied in the order they were sent. At most `maxInFlight` batches wait in
 * the worker, so memory stays bounded when it falls behind. Where a worker
 * cannot start, the same interface hashes inline.
 */
import { createHash, type Hash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/** A part of the output: bytes of its own, or [offset, length] of the batch. */
export type Part = Uint8Array | [number, number];

/** A queued batch; `hashed` settles when every thread is done with its buffer. (A wrapper: a promise cannot resolve to a promise.) */
export interface Queued {
  hashed: Promise<void>;
}

export interface Hasher {
  /**
   * Hashes `batch[0, length)` into `sourceKey` and `parts` (in order) into
   * `outputKey`. Resolves once queued (it waits while too much is queued) with
   * a promise that settles when the batch has been hashed: only then may its
   * buffer be reused.
   */
  update(batch: SharedArrayBuffer, length: number, sourceKey: string | null, outputKey: string | null, parts: Part[]): Promise<Queued>;
  digest(key: string): Promise<string>;
  close(): Promise<void>;
}

/** Allocates a buffer the worker can see without a copy. */
export function sharedBuffer(size: number): { sab: SharedArrayBuffer; buf: Buffer } {
  const sab = new SharedArrayBuffer(size);
  return { sab, buf: Buffer.from(sab) };
}

// The worker's whole program (CommonJS, evaluated: no file to find in a packaged app).
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
const of = (key) => { let h = hashes.get(key); if (!h) hashes.set(key, (h = createHash('sha256'))); return h; };
parentPort.on('message', (m) => {
  try {
    if (m.op === 'update') {
      const all = new Uint8Array(m.sab, 0, m.length);
      if (m.sourceKey) of(m.sourceKey).update(all);
      if (m.outputKey) {
        const h = of(m.outputKey);
        for (const p of m.parts) h.update(Array.isArray(p) ? all.subarray(p[0], p[0] + p[1]) : p);
      }
      parentPort.postMessage({ op: 'ack', seq: m.seq });
    } else if (m.op === 'digest') {
      const h = of(m.key);
      hashes.delete(m.key);
      parentPort.postMessage({ op: 'digest', seq: m.seq, hex: h.digest('hex') });
    }
  } catch (err) {
    parentPort.postMessage({ op: 'error', seq: m.seq, message: String(err && err.message || err) });
  }
});
`;

class WorkerHasher implements Hasher {
  private readonly worker: Worker;
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (v: string) => void; reject: (e: Error) => void }>();
  private inFlight = 0;
  private readonly drained: (() => void)[] = [];
  private readonly processed = new Map<number, () => void>();
  private failed: Error | null = null;

  constructor(private readonly maxInFlight = 4) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    this.worker.unref();
    this.worker.on('message', (m: { op: string; seq: number; hex?: string; message?: string }) => {
      if (m.op === 'ack') {
        this.inFlight--;
        this.processed.get(m.seq)?.();
        this.processed.delete(m.seq);
        this.drained.shift()?.();
        return;
      }
      const w = this.waiting.get(m.seq);
      this.waiting.delete(m.seq);
      if (m.op === 'digest') w?.resolve(m.hex!);
      else w?.reject(new Error(`hashing failed: ${m.message}`));
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => code !== 0 && this.fail(new Error(`the hashing thread stopped (${code})`)));
  }

  private fail(err: Error): void {
    this.failed = err;
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
    for (const d of this.drained.splice(0)) d();
    for (const p of this.processed.values()) p();
    this.processed.clear();
  }

  async update(batch: SharedArrayBuffer, length: number, sourceKey: string | null, outputKey: string | null, parts: Part[]): Promise<Queued> {
    if (this.failed) throw this.failed;
    while (this.inFlight >= this.maxInFlight && !this.failed) await new Promise<void>((r) => this.drained.push(r));
    if (this.failed) throw this.failed;
    this.inFlight++;
    const seq = ++this.seq;
    const done = new Promise<void>((r) => this.processed.set(seq, r));
    this.worker.postMessage({ op: 'update', seq, sab: batch, length, sourceKey, outputKey, parts });
    return { hashed: done };
  }

  digest(key: string): Promise<string> {
    if (this.failed) return Promise.reject(this.failed);
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.waiting.set(seq, { resolve, reject });
      this.worker.postMessage({ op: 'digest', seq, key });
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

class InlineHasher implements Hasher {
  private readonly hashes = new Map<string, Hash>();

  private of(key: string): Hash {
    let h = this.hashes.get(key);
    if (!h) this.hashes.set(key, (h = createHash('sha256')));
    return h;
  }

  async update(batch: SharedArrayBuffer, length: number, sourceKey: string | null, outputKey: string | null, parts: Part[]): Promise<Queued> {
    const all = new Uint8Array(batch, 0, length);
    if (sourceKey) this.of(sourceKey).update(all);
    if (outputKey) {
      const h = this.of(outputKey);
      for (const p of parts) h.update(Array.isArray(p) ? all.subarray(p[0], p[0] + p[1]) : p);
    }
    return { hashed: Promise.resolve() };
  }

  async digest(key: string): Promise<string> {
    const h = this.of(key);
    this.hashes.delete(key);
    return h.digest('hex');
  }

  async close(): Promise<void> {
    this.hashes.clear();
  }
}

/**
 * Two hashing threads: one for the sources, one for the outputs, so the two
 * passes over every byte run side by side (each is about 2 GB/s on one core).
 */
class SplitHasher implements Hasher {
  private readonly owner = new Map<string, Hasher>();

  constructor(
    private readonly sources: Hasher,
    private readonly outputs: Hasher,
  ) {}

  async update(batch: SharedArrayBuffer, length: number, sourceKey: string | null, outputKey: string | null, parts: Part[]): Promise<Queued> {
    const done: Promise<void>[] = [];
    if (sourceKey) {
      this.owner.set(sourceKey, this.sources);
      done.push((await this.sources.update(batch, length, sourceKey, null, [])).hashed);
    }
    if (outputKey) {
      this.owner.set(outputKey, this.outputs);
      done.push((await this.outputs.update(batch, length, null, outputKey, parts)).hashed);
    }
    return { hashed: Promise.all(done).then(() => undefined) };
  }

  digest(key: string): Promise<string> {
    const h = this.owner.get(key) ?? this.outputs;
    this.owner.delete(key);
    return h.digest(key);
  }

  async close(): Promise<void> {
    await Promise.all([this.sources.close(), this.outputs.close()]);
  }
}

/** Hashing threads (one per pass), or inline hashing where threads are not available. */
export function createHasher(): Hasher {
  try {
    return new SplitHasher(new WorkerHasher(), new WorkerHasher());
  } catch {
    return new InlineHasher();
  }
}
