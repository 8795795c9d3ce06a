/**
 * SHA-256 of the export's sources and outputs, computed on worker threads
 * while the main thread reads and writes: the output's hash (and a source's,
 * when it was not hashed at indexing) would otherwise serialise with the
 * copy. The bytes are shared, not copied: batches are read into
 * SharedArrayBuffers and a worker hashes views of them (byte ranges of the
 * batch); only small parts of their own (such as an init segment) are sent
 * along as copies.
 *
 * One thread per lane (outputs; sources, started only when a source must be
 * hashed), so the two passes over a byte run side by side. Several digests run
 * at once under string keys; updates of one key are applied in the order they
 * were sent. At most `MAX_IN_FLIGHT` batches wait in a worker, so memory stays
 * bounded when it falls behind. Where a worker cannot start, the same
 * interface hashes inline.
 */
import { createHash, type Hash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/** A part of what a key hashes: bytes of its own, or [offset, length] of the batch. */
export type Part = Uint8Array | [number, number];

/** What one key hashes of a batch, in order. `lane` picks the thread. */
export interface HashWork {
  key: string;
  lane: 'source' | 'output';
  parts: Part[];
}

/** A queued batch; `hashed` settles when every thread is done with its buffer. (A wrapper: a promise cannot resolve to a promise.) */
export interface Queued {
  hashed: Promise<void>;
}

export interface Hasher {
  /**
   * Hashes each work's parts of `batch` into its key. Resolves once queued (it
   * waits while too much is queued) with a promise that settles when the
   * batch has been hashed: only then may its buffer be reused or changed.
   */
  update(batch: SharedArrayBuffer, work: HashWork[]): Promise<Queued>;
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
      const all = new Uint8Array(m.sab);
      for (const w of m.work) {
        const h = of(w.key);
        for (const p of w.parts) h.update(Array.isArray(p) ? all.subarray(p[0], p[0] + p[1]) : p);
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

/**
 * Batches queued at a hashing thread at most (a 4 MiB window each). Deep
 * enough that under CPU load, when the main thread is woken late, the output's
 * hashing thread (the critical path then) still has windows waiting.
 */
const MAX_IN_FLIGHT = 10;

class WorkerHasher implements Hasher {
  private readonly worker: Worker;
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (v: string) => void; reject: (e: Error) => void }>();
  private inFlight = 0;
  private readonly drained: (() => void)[] = [];
  private readonly processed = new Map<number, () => void>();
  private failed: Error | null = null;

  constructor(private readonly maxInFlight = MAX_IN_FLIGHT) {
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

  async update(batch: SharedArrayBuffer, work: HashWork[]): Promise<Queued> {
    if (this.failed) throw this.failed;
    while (this.inFlight >= this.maxInFlight && !this.failed) await new Promise<void>((r) => this.drained.push(r));
    if (this.failed) throw this.failed;
    this.inFlight++;
    const seq = ++this.seq;
    const done = new Promise<void>((r) => this.processed.set(seq, r));
    this.worker.postMessage({ op: 'update', seq, sab: batch, work: work.map((w) => ({ key: w.key, parts: w.parts })) });
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

  async update(batch: SharedArrayBuffer, work: HashWork[]): Promise<Queued> {
    const all = new Uint8Array(batch);
    for (const w of work) {
      const h = this.of(w.key);
      for (const p of w.parts) h.update(Array.isArray(p) ? all.subarray(p[0], p[0] + p[1]) : p);
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
 * One hashing thread per lane, so the two passes over a byte (its source's,
 * when not hashed at indexing, and its output's) run side by side (each is
 * about 1.5-2 GB/s on one core). The sources' thread starts on first use: in
 * the steady state every source was hashed at indexing and it is never needed.
 */
class LaneHasher implements Hasher {
  private readonly owner = new Map<string, Hasher>();
  private sources: Hasher | null = null;

  constructor(
    private readonly makeWorker: () => Hasher,
    private readonly outputs: Hasher = makeWorker(),
  ) {}

  async update(batch: SharedArrayBuffer, work: HashWork[]): Promise<Queued> {
    const bySource = work.filter((w) => w.lane === 'source');
    const byOutput = work.filter((w) => w.lane === 'output');
    const done: Promise<void>[] = [];
    if (bySource.length) {
      this.sources ??= this.makeWorker();
      for (const w of bySource) this.owner.set(w.key, this.sources);
      done.push((await this.sources.update(batch, bySource)).hashed);
    }
    if (byOutput.length) {
      for (const w of byOutput) this.owner.set(w.key, this.outputs);
      done.push((await this.outputs.update(batch, byOutput)).hashed);
    }
    return { hashed: done.length === 1 ? done[0] : Promise.all(done).then(() => undefined) };
  }

  digest(key: string): Promise<string> {
    const h = this.owner.get(key) ?? this.outputs;
    this.owner.delete(key);
    return h.digest(key);
  }

  async close(): Promise<void> {
    await Promise.all([this.sources?.close(), this.outputs.close()]);
  }
}

/** Hashing threads (one per lane), or inline hashing where threads are not available. */
export function createHasher(): Hasher {
  try {
    return new LaneHasher(() => {
      try {
        return new WorkerHasher();
      } catch {
        return new InlineHasher();
      }
    }, new WorkerHasher());
  } catch {
    return new InlineHasher();
  }
}
