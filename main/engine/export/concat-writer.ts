/**
 * Writes one export file of a copy export, as laid out by concat-layout.ts:
 * the init segment, then the chosen fragments of every source segment with
 * their tfdt rebased. Media bytes (mdat) are copied verbatim; only the few
 * bytes of each moof's tfdt change.
 *
 * The output is written in fixed 4 MiB windows at 4 KiB-aligned offsets.
 * Each window's source ranges are read straight to where they land in it
 * (no copy in user space), its tfdt bytes patched, and then the same buffer
 * is hashed by a worker thread (the output's SHA-256) and written with
 * O_DIRECT, from the disk's point of view a plain large aligned write: no
 * second copy into the page cache, no write-back left for the final fsync,
 * and the export does not push recordings out of the cache. The windows
 * form a pipeline (two read ahead, two written while more are hashed), so
 * reading, hashing and writing overlap and hashing never serialises with
 * the copy. Where O_DIRECT is refused (some file systems) the same windows
 * are written through the page cache, with the write-back started as it
 * goes.
 *
 * A source whose SHA-256 was taken at indexing (the steady state) is read
 * only where its chosen fragments lie. A source not hashed yet is also read
 * whole, in order, and hashed on a second worker (the manifest quotes it).
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { FileReader } from '../storage/disk.ts';
import { createHasher, type Hasher } from './hasher.ts';
import { layoutOf, type ConcatLayout } from './concat-layout.ts';
import type { OutputPlan, SegmentPick } from './plan.ts';

export interface WrittenPiece {
  /** UTC range of the real time this part of the file shows. */
  from: number;
  to: number;
  /** Where it lies in the file (media time, ms). */
  fileStartMs: number;
  fileEndMs: number;
  segmentIds: number[];
}

export interface SourceDigest {
  segmentId: number;
  bytes: number;
  sha256: string;
  /** Hashed by this export (false: the stored hash of the unchanged file was used). */
  fresh: boolean;
}

export interface WriteResult {
  bytes: number;
  sha256: string;
  durationMs: number;
  pieces: WrittenPiece[];
  sources: SourceDigest[];
}

export interface WriteOptions {
  signal?: AbortSignal;
  /** Called with the number of source bytes just read. */
  onProgress?: (sourceBytes: number) => void;
  /** Opens a segment's file for reading (the storage module's segment-file API). */
  openSource: (pick: SegmentPick) => Promise<FileReader>;
  /** Window size (rounded up to 64 KiB); 4 MiB by default. */
  batchBytes?: number;
  /** Write with O_DIRECT where the file system takes it (default); false: through the page cache. */
  direct?: boolean;
  /** Shared by the files of one job; made (and closed) here when absent. */
  hasher?: Hasher;
  /** A source file's SHA-256 when already known (then it is not hashed again), else null. */
  knownSourceHash?: (pick: SegmentPick) => Promise<string | null>;
}

const WINDOW_BYTES = 4 * 1024 * 1024;
/** Alignment of O_DIRECT file offsets, lengths and buffers (covers 512- and 4096-byte sectors). */
const ALIGN = 4096;
/**
 * Windows read ahead of the one being hashed and written. Under CPU load the
 * main thread is woken late (it waits its turn behind busy processes), so the
 * pipeline is deep enough that the hashing thread, the critical path then,
 * still has windows queued when it is.
 */
const READ_AHEAD = 4;
/** Window writes in flight at once. */
const WRITES_IN_FLIGHT = 2;
/** Window buffers (64 MiB in all): read ahead, being written, queued for or being hashed (hasher.ts's MAX_IN_FLIGHT). */
const SLOTS = 16;
/** Buffered fallback: start the disk's write-back every this many bytes written. */
const FLUSH_EVERY = 64 * 1024 * 1024;
/** Chunk of a whole-source read for its hash. */
const SOURCE_CHUNK = 4 * 1024 * 1024;

export async function writeConcatenated(plan: OutputPlan, outPath: string, opts: WriteOptions): Promise<WriteResult> {
  const layout = layoutOf(plan); // throws before anything is written when the times do not fit
  const picks = plan.pieces.flatMap((piece) => piece.picks);
  const hasher = opts.hasher ?? createHasher();
  const window = Math.ceil((opts.batchBytes ?? WINDOW_BYTES) / 65536) * 65536;
  const arena = new Arena(window, SLOTS);
  const files = new SourceFiles(picks, opts);
  const out = new OutputFile(outPath, opts.direct ?? true);
  const reads: Promise<number>[] = [];
  const writes: Promise<void>[] = [];
  let sourceTask: Promise<unknown> = Promise.resolve();
  let stopped = false; // the copy failed: the sources' hashing stops too
  try {
    const known = await Promise.all(picks.map(async (pick) => (await opts.knownSourceHash?.(pick)) ?? null));
    const cold = picks.map((_, p) => p).filter((p) => known[p] === null);
    const sourceDigests = new Map<number, Promise<string>>();
    if (cold.length) sourceTask = hashSources(cold, picks, opts, hasher, sourceDigests, () => stopped);
    sourceTask.catch(() => undefined); // awaited below; an early failure must not go unhandled

    await out.open();
    const outKey = `out:${outPath}`;
    const windows = windowsOf(layout, window, picks);
    const read = (k: number) => readWindow(windows[k], layout, arena, files);
    for (let k = 0; k < Math.min(READ_AHEAD, windows.length); k++) reads.push(read(k));
    for (let k = 0; k < windows.length; k++) {
      throwIfAborted(opts.signal);
      const slot = await reads.shift()!;
      if (k + READ_AHEAD < windows.length) reads.push(read(k + READ_AHEAD));
      const w = windows[k];
      // Every earlier window is read too (in order): sources that end here are done with.
      for (const p of w.closes) await files.close(p);
      const at = arena.offset(slot);
      for (const patch of w.patches) {
        // A patch may straddle two windows: the part of it inside this one.
        const from = Math.max(patch.out, w.start);
        const to = Math.min(patch.out + patch.bytes.length, w.start + w.length);
        patch.bytes.copy(arena.buf, at + from - w.start, from - patch.out, to - patch.out);
      }
      const { hashed } = await hasher.update(arena.sab, [{ key: outKey, lane: 'output', parts: [[at, w.length]] }]);
      const written = out.write(arena.buf.subarray(at, at + w.length), w.start, arena.buf.subarray(at, at + window));
      writes.push(written);
      arena.release(slot, Promise.all([hashed, written]));
      if (writes.length >= WRITES_IN_FLIGHT) await writes.shift();
      opts.onProgress?.(w.progress);
    }
    while (writes.length) await writes.shift();
    await out.finish(layout.size);
    await sourceTask;
    const sha256 = await hasher.digest(outKey);
    const sources = await Promise.all(
      picks.map(async (pick, p) => ({ segmentId: pick.segment.id, bytes: pick.index.fileSize, sha256: known[p] ?? (await sourceDigests.get(p)!), fresh: known[p] === null })),
    );
    return { bytes: layout.size, sha256, durationMs: layout.durationMs, pieces: layout.pieces, sources };
  } finally {
    stopped = true;
    // Nothing may still use a buffer or a file when they go.
    await Promise.allSettled([...reads, ...writes, sourceTask]);
    await files.closeAll();
    await out.close();
    if (!opts.hasher) await hasher.close();
  }
}

interface Window {
  /** Output offset (a multiple of the window size). */
  start: number;
  length: number;
  /** Source ranges to read into it: [pick, source offset, offset in the window, length]. */
  reads: [number, number, number, number][];
  /** The init's bytes in this window: [offset in the init, offset in the window, length]. */
  init: [number, number, number] | null;
  patches: ConcatLayout['patches'];
  /** Picks whose last range is read here (their file is closed once it and every earlier window are read). */
  closes: number[];
  /** Source bytes to report as done: what is read here, plus the unread rest of each source finished here. */
  progress: number;
}

/** The output cut into windows, and what goes into each. */
function windowsOf(layout: ConcatLayout, size: number, picks: SegmentPick[]): Window[] {
  const windows: Window[] = [];
  for (let start = 0; start < layout.size; start += size) {
    const length = Math.min(size, layout.size - start);
    windows.push({ start, length, reads: [], init: null, patches: [], closes: [], progress: 0 });
  }
  const at = (pos: number) => windows[Math.floor(pos / size)];
  for (let pos = 0; pos < layout.init.length; ) {
    const w = at(pos);
    const n = Math.min(layout.init.length - pos, w.start + w.length - pos);
    w.init = [pos, pos - w.start, n];
    pos += n;
  }
  const lastWindow = new Map<number, Window>();
  const copied = new Map<number, number>();
  for (const run of layout.runs) {
    for (let done = 0; done < run.length; ) {
      const pos = run.out + done;
      const w = at(pos);
      const n = Math.min(run.length - done, w.start + w.length - pos);
      w.reads.push([run.pick, run.source + done, pos - w.start, n]);
      w.progress += n;
      done += n;
      lastWindow.set(run.pick, w);
    }
    copied.set(run.pick, (copied.get(run.pick) ?? 0) + run.length);
  }
  for (const [p, w] of lastWindow) {
    w.closes.push(p);
    w.progress += picks[p].index.fileSize - copied.get(p)!;
  }
  for (const patch of layout.patches) {
    const first = Math.floor(patch.out / size);
    const last = Math.floor((patch.out + patch.bytes.length - 1) / size);
    for (let k = first; k <= last; k++) windows[k].patches.push(patch);
  }
  return windows;
}

/** Fills a window slot: the init bytes and every source range, read straight into place. Resolves with the slot. */
async function readWindow(w: Window, layout: ConcatLayout, arena: Arena, files: SourceFiles): Promise<number> {
  const slot = await arena.acquire();
  try {
    const at = arena.offset(slot);
    if (w.init) layout.init.copy(arena.buf, at + w.init[1], w.init[0], w.init[0] + w.init[2]);
    await Promise.all(w.reads.map(([p, source, offset, length]) => files.readFully(p, arena.buf, at + offset, length, source)));
    return slot;
  } catch (err) {
    arena.release(slot, Promise.resolve());
    throw err;
  }
}

/**
 * SHA-256 of whole source files not hashed yet, read in order into buffers
 * of their own and hashed on the sources' thread, alongside the copy.
 */
async function hashSources(
  cold: number[],
  picks: SegmentPick[],
  opts: WriteOptions,
  hasher: Hasher,
  digests: Map<number, Promise<string>>,
  stopped: () => boolean,
): Promise<void> {
  const slots = new Arena(SOURCE_CHUNK, 3);
  for (const p of cold) {
    const key = `src:${p}:${picks[p].segment.file}`;
    const size = picks[p].index.fileSize;
    const reader = await opts.openSource(picks[p]);
    try {
      for (let pos = 0; pos < size; pos += SOURCE_CHUNK) {
        throwIfAborted(opts.signal);
        if (stopped()) return;
        const n = Math.min(SOURCE_CHUNK, size - pos);
        const slot = await slots.acquire();
        const at = slots.offset(slot);
        try {
          await readFully(reader, slots.buf, at, n, pos);
        } catch (err) {
          slots.release(slot, Promise.resolve());
          throw err;
        }
        const { hashed } = await hasher.update(slots.sab, [{ key, lane: 'source', parts: [[at, n]] }]);
        slots.release(slot, hashed);
      }
    } finally {
      await reader.close();
    }
    const digest = hasher.digest(key);
    digest.catch(() => undefined);
    digests.set(p, digest);
  }
  await slots.drain();
}

async function readFully(reader: FileReader, buf: Buffer, offset: number, length: number, position: number): Promise<void> {
  let got = 0;
  while (got < length) {
    const n = await reader.read(buf, offset + got, length - got, position + got);
    if (n === 0) throw new Error('a recording is shorter than its index (was it modified?)');
    got += n;
  }
}

/** Source files, opened when first read and closed after their last range. */
class SourceFiles {
  private readonly handles = new Map<number, Promise<FileReader>>();

  constructor(
    private readonly picks: SegmentPick[],
    private readonly opts: WriteOptions,
  ) {}

  async readFully(p: number, buf: Buffer, offset: number, length: number, position: number): Promise<void> {
    let fh = this.handles.get(p);
    if (!fh) {
      fh = this.opts.openSource(this.picks[p]);
      this.handles.set(p, fh);
    }
    await readFully(await fh, buf, offset, length, position);
  }

  async close(p: number): Promise<void> {
    const fh = this.handles.get(p);
    this.handles.delete(p);
    if (fh) await (await fh).close();
  }

  async closeAll(): Promise<void> {
    for (const fh of this.handles.values()) await (await fh).close().catch(() => undefined);
    this.handles.clear();
  }
}

/** The WebAssembly global (not in this project's type libraries). */
const wasm = (globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number; maximum: number; shared: true }) => { buffer: SharedArrayBuffer } } }).WebAssembly;

/**
 * Fixed buffers (slots) in one block of shared memory the hashing threads
 * see without a copy, reused once the threads and the write are done with
 * them. The block is a WebAssembly memory: page-aligned, as O_DIRECT needs.
 */
class Arena {
  readonly sab: SharedArrayBuffer;
  readonly buf: Buffer;
  private readonly free: number[] = [];
  private readonly waiting: ((slot: number) => void)[] = [];
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly size: number,
    slots: number,
  ) {
    const pages = Math.ceil((size * slots) / 65536);
    try {
      this.sab = new wasm.Memory({ initial: pages, maximum: pages, shared: true }).buffer;
    } catch {
      // No room for a WebAssembly memory (a tight address-space limit): a plain
      // shared buffer, whose alignment O_DIRECT may refuse (then the writes go through the page cache).
      this.sab = new SharedArrayBuffer(size * slots);
    }
    this.buf = Buffer.from(this.sab);
    for (let i = 0; i < slots; i++) this.free.push(i);
  }

  offset(slot: number): number {
    return slot * this.size;
  }

  async acquire(): Promise<number> {
    const slot = this.free.shift();
    if (slot !== undefined) return slot;
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Gives the slot back once `done` settles (whatever its outcome: failures are reported elsewhere). */
  release(slot: number, done: Promise<unknown>): void {
    const back = done.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(back);
    void back.then(() => {
      this.pending.delete(back);
      const next = this.waiting.shift();
      if (next) next(slot);
      else this.free.push(slot);
    });
  }

  /** Resolves when every slot is back. */
  async drain(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }
}

/**
 * The export file: O_DIRECT when the file system takes it (whole windows at
 * aligned offsets; the last one padded to the alignment and the file cut
 * back to its size), otherwise through the page cache.
 */
class OutputFile {
  private fh: FileHandle | null = null;
  private direct = false;
  private written = 0;
  private flushedAt = 0;
  private flushing: Promise<void> = Promise.resolve();
  /** Settles once the first write has shown whether O_DIRECT works. */
  private probed: Promise<void> | null = null;

  constructor(
    private readonly path: string,
    private readonly tryDirect: boolean,
  ) {}

  async open(): Promise<void> {
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;
    if (this.tryDirect && constants.O_DIRECT) {
      try {
        this.fh = await open(this.path, flags | constants.O_DIRECT, 0o600);
        this.direct = true;
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
      }
    }
    this.fh = await open(this.path, flags, 0o600);
  }

  /**
   * Writes `bytes` at `position`. `room` is the same bytes extended to the
   * end of their buffer (an O_DIRECT write of the last window is padded into it).
   */
  async write(bytes: Buffer, position: number, room: Buffer): Promise<void> {
    // The first write decides the mode; the others wait for it (they run concurrently otherwise).
    if (!this.probed) {
      let settle!: () => void;
      this.probed = new Promise((r) => (settle = r));
      try {
        await this.writeOnce(bytes, position, room);
      } finally {
        settle();
      }
      return;
    }
    await this.probed;
    await this.writeOnce(bytes, position, room);
  }

  private async writeOnce(bytes: Buffer, position: number, room: Buffer): Promise<void> {
    if (this.direct) {
      const padded = Math.ceil(bytes.length / ALIGN) * ALIGN;
      const buf = padded === bytes.length ? bytes : room.subarray(0, padded);
      if (padded !== bytes.length) buf.fill(0, bytes.length);
      try {
        await writeAll(this.fh!, buf, position);
        this.written += bytes.length;
        return;
      } catch (err) {
        // Refused (alignment the device wants bigger, a file system that accepted the flag but not the write):
        // go on through the page cache, from this very write.
        if ((err as NodeJS.ErrnoException).code !== 'EINVAL' || this.written > 0) throw err;
        await this.fh!.close();
        this.fh = await open(this.path, constants.O_WRONLY, 0o600);
        this.direct = false;
      }
    }
    await writeAll(this.fh!, bytes, position);
    this.written += bytes.length;
    // Start writing back what is written so far (not waited for), so the
    // disk works while we read and hash, and the final fsync has little left.
    if (this.written - this.flushedAt >= FLUSH_EVERY) {
      this.flushedAt = this.written;
      const fh = this.fh!;
      this.flushing = this.flushing.then(() => fh.datasync()).catch(() => undefined);
    }
  }

  /** Cuts the padding of the last window, then fsyncs. */
  async finish(size: number): Promise<void> {
    await this.flushing;
    if (this.direct) await this.fh!.truncate(size);
    await this.fh!.sync();
  }

  async close(): Promise<void> {
    await this.flushing;
    await this.fh?.close();
    this.fh = null;
  }
}

async function writeAll(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) done += (await fh.write(buf, done, buf.length - done, position + done)).bytesWritten;
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ExportCancelled();
}

export class ExportCancelled extends Error {
  override name = 'ExportCancelled';
  constructor() {
    super('export cancelled');
  }
}
