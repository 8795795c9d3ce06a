/**
 * Writes one export file of a copy export: the init segment (durations set to
 * the export's length), then the chosen fragments of every source segment, in
 * order, with their tfdt decode times rebased so the file plays as one
 * continuous, gap-free fragmented MP4. Media bytes (mdat) are copied verbatim;
 * only the few bytes of each moof's tfdt change.
 *
 * Every source file is read once, front to back, in fragment-aligned batches,
 * and hashed whole on the way (its SHA-256 goes into the manifest); the output
 * is hashed as it is written. Hashing runs on a worker thread over the same
 * (shared) batch buffers, and the next batch is read while the current one is
 * written, so the export runs at close to the speed of a plain copy.
 */
import { open } from 'node:fs/promises';
import type { FileReader } from '../storage/disk.ts';
import { createHasher, sharedBuffer, type Hasher, type Part } from './hasher.ts';
import { withDurations } from '../mp4/init.ts';
import { Mp4Error } from '../mp4/boxes.ts';
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
  batchBytes?: number;
  /** Shared by the files of one job; made (and closed) here when absent. */
  hasher?: Hasher;
  /** A source file's SHA-256 when already known (then it is not hashed again), else null. */
  knownSourceHash?: (pick: SegmentPick) => Promise<string | null>;
}

interface Unit {
  start: number;
  end: number;
  /** Fragment index, or -1 for bytes that are only hashed (init, anything between fragments, a tail). */
  fragment: number;
}

const BATCH_BYTES = 8 * 1024 * 1024;
/** Batch buffers in the pipeline: reading, writing, and a few waiting for the hashing threads. */
const POOL_SIZE = 8;
/** Start the disk's write-back every this many bytes written. */
const FLUSH_EVERY = 64 * 1024 * 1024;

export async function writeConcatenated(plan: OutputPlan, outPath: string, opts: WriteOptions): Promise<WriteResult> {
  const firstIndex = plan.pieces[0].picks[0].index;
  const info = firstIndex.info;
  const video = info.video!;
  const hasher = opts.hasher ?? createHasher();
  const outKey = `out:${outPath}`;
  const batchBytes = opts.batchBytes ?? BATCH_BYTES;
  const pool = new BufferPool(batchBytes, POOL_SIZE);
  const out = await open(outPath, 'wx', 0o600);
  let written = 0;
  let flushedAt = 0;
  let flushing: Promise<void> = Promise.resolve();
  const write = async (buffers: Buffer[]) => {
    // writev takes at most IOV_MAX (1024) buffers per call.
    for (let i = 0; i < buffers.length; i += 512) {
      let pending = buffers.slice(i, i + 512);
      while (pending.length) {
        const { bytesWritten } = await out.writev(pending);
        written += bytesWritten;
        pending = advance(pending, bytesWritten);
      }
    }
    // Start writing back what is written so far (not waited for), so the disk
    // works while we read and hash, and the final fsync has little left to do.
    if (written - flushedAt >= FLUSH_EVERY) {
      flushedAt = written;
      flushing = flushing.then(() => out.datasync()).catch(() => undefined);
    }
  };

  // Every source batch of every picked segment, in output order: one
  // pipeline, so the next batch (maybe of the next file) is read while this
  // one is written and hashed.
  const picks = plan.pieces.flatMap((piece) => piece.picks);
  const work = picks.flatMap((pick, p) => batchesOf(pick, batchBytes).map((units, b, all) => ({ p, units, first: b === 0, last: b === all.length - 1 })));
  const files = new SourceFiles(picks, opts);
  const pieceOf = new Map(plan.pieces.flatMap((piece, i) => piece.picks.map((pick) => [pick, i] as const)));
  const pieceStart: number[] = [];
  const digests: Promise<SourceDigest>[] = [];
  let next: Promise<{ sab: SharedArrayBuffer; buf: Buffer }> | null = null;
  try {
    const init = withDurations(firstIndex.init, info, plan.durationByTrack);
    await hasher.update(new SharedArrayBuffer(0), 0, null, outKey, [new Uint8Array(init)]);
    await write([init]);
    let cursor = 0; // video ticks written so far
    let place = new Map<number, number>();
    let placeVideo = 0;
    let known: string | null = null;
    const read = (i: number) => files.read(work[i].p, work[i].units, pool);
    next = work.length ? read(0) : null;
    for (let i = 0; i < work.length; i++) {
      const { p, units, first, last } = work[i];
      const pick = picks[p];
      const frags = pick.index.fragments;
      if (first) {
        // A new segment: where its media lands in the output (right after what is written).
        throwIfAborted(opts.signal);
        const pi = pieceOf.get(pick)!;
        if (pieceStart[pi] === undefined) pieceStart[pi] = cursor;
        placeVideo = cursor - frags[pick.first].videoTime;
        place = new Map(info.tracks.map((t) => [t.trackId, Math.round((placeVideo * t.timescale) / video.timescale)]));
        known = (await opts.knownSourceHash?.(pick)) ?? null;
      }
      const batch = await next!;
      throwIfAborted(opts.signal);
      if (i + 1 < work.length) next = read(i + 1);
      const base = units[0].start;
      const outBuffers: Buffer[] = [];
      const parts: Part[] = [];
      for (const u of units) {
        if (u.fragment < pick.first || u.fragment > pick.last) continue;
        const f = frags[u.fragment];
        const at = u.start - base;
        const moof = rebase(batch.buf.subarray(at, at + f.moofSize), f.runs, place);
        outBuffers.push(moof, batch.buf.subarray(at + f.moofSize, at + f.size));
        parts.push(new Uint8Array(moof), [at + f.moofSize, f.size - f.moofSize]); // a copy of just the moof
        cursor = Math.max(cursor, placeVideo + f.videoTime + f.videoDuration);
      }
      const srcKey = known ? null : `src:${p}`;
      const { hashed } = await hasher.update(batch.sab, batch.buf.length, srcKey, outBuffers.length ? outKey : null, parts);
      if (outBuffers.length) await write(outBuffers);
      pool.release(batch.sab, hashed);
      opts.onProgress?.(batch.buf.length);
      if (last) {
        const digest = srcKey ? hasher.digest(srcKey) : Promise.resolve(known as string);
        digests.push(digest.then((sha256) => ({ segmentId: pick.segment.id, bytes: pick.index.fileSize, sha256, fresh: srcKey !== null })));
      }
    }
    const pieces: WrittenPiece[] = plan.pieces.map((piece, i) => ({
      from: piece.from,
      to: piece.to,
      fileStartMs: Math.round((pieceStart[i] * 1000) / video.timescale),
      fileEndMs: Math.round(((i + 1 < plan.pieces.length ? pieceStart[i + 1] : cursor) * 1000) / video.timescale),
      segmentIds: piece.picks.map((pk) => pk.segment.id),
    }));
    await flushing;
    await out.sync();
    const [sha256, sources] = await Promise.all([hasher.digest(outKey), Promise.all(digests)]);
    return { bytes: written, sha256, durationMs: Math.round((cursor * 1000) / video.timescale), pieces, sources };
  } finally {
    await flushing;
    await next?.catch(() => undefined); // a read in flight when we stopped
    await files.closeAll();
    await out.close();
    if (!opts.hasher) await hasher.close();
  }
}

/** A source file's byte ranges in order (fragments, and whatever lies between them), grouped into batches. */
function batchesOf(pick: SegmentPick, batchBytes: number): Unit[][] {
  const { index } = pick;
  const units: Unit[] = [];
  let pos = 0;
  index.fragments.forEach((f, i) => {
    if (f.offset > pos) units.push({ start: pos, end: f.offset, fragment: -1 });
    units.push({ start: f.offset, end: f.offset + f.size, fragment: i });
    pos = f.offset + f.size;
  });
  if (pos < index.fileSize) units.push({ start: pos, end: index.fileSize, fragment: -1 });
  const batches: Unit[][] = [];
  let batch: Unit[] = [];
  let size = 0;
  for (const u of units) {
    if (batch.length && size + (u.end - u.start) > batchBytes) {
      batches.push(batch);
      batch = [];
      size = 0;
    }
    batch.push(u);
    size += u.end - u.start;
  }
  if (batch.length) batches.push(batch);
  return batches;
}

/** Source files, opened when first read and closed after their last batch. */
class SourceFiles {
  private readonly handles = new Map<number, Promise<FileReader>>();

  constructor(
    private readonly picks: SegmentPick[],
    private readonly opts: WriteOptions,
  ) {}

  async read(p: number, units: Unit[], pool: BufferPool): Promise<{ sab: SharedArrayBuffer; buf: Buffer }> {
    let fh = this.handles.get(p);
    if (!fh) {
      fh = this.opts.openSource(this.picks[p]);
      this.handles.set(p, fh);
    }
    const handle = await fh;
    const start = units[0].start;
    const length = units[units.length - 1].end - start;
    const { sab, buf } = await pool.acquire(length);
    let got = 0;
    while (got < length) {
      const bytesRead = await handle.read(buf, got, length - got, start + got);
      if (bytesRead === 0) throw new Error('a recording is shorter than its index (was it modified?)');
      got += bytesRead;
    }
    if (start + length >= this.picks[p].index.fileSize) {
      this.handles.delete(p);
      await handle.close();
    }
    return { sab, buf: buf.subarray(0, length) };
  }

  async closeAll(): Promise<void> {
    for (const fh of this.handles.values()) await (await fh).close().catch(() => undefined);
    this.handles.clear();
  }
}

/**
 * Shared batch buffers, reused once the hashing threads are done with them:
 * no fresh allocation (and page faults) per batch.
 */
class BufferPool {
  private readonly busy: Promise<SharedArrayBuffer>[] = [];
  private made = 0;

  constructor(
    private readonly size: number,
    private readonly max: number,
  ) {}

  async acquire(length: number): Promise<{ sab: SharedArrayBuffer; buf: Buffer }> {
    if (length > this.size) return sharedBuffer(length); // an outsized batch gets its own buffer
    let sab: SharedArrayBuffer | undefined;
    if (this.made < this.max) {
      this.made++;
      sab = new SharedArrayBuffer(this.size);
    }
    if (!sab) sab = await this.busy.shift()!;
    return { sab, buf: Buffer.from(sab) };
  }

  release(sab: SharedArrayBuffer, hashed: Promise<void>): void {
    if (sab.byteLength !== this.size) return;
    this.busy.push(hashed.then(() => sab));
  }
}

/** A copy of the moof with every track's tfdt moved by that track's placement. */
function rebase(moof: Buffer, runs: { trackId: number; baseDecodeTime: number; tfdtOffset: number; tfdtVersion: number }[], place: Map<number, number>): Buffer {
  const out = Buffer.from(moof);
  for (const run of runs) {
    if (run.tfdtOffset < 0) continue;
    const value = Math.max(0, run.baseDecodeTime + (place.get(run.trackId) ?? 0));
    const field = run.tfdtOffset + 12; // box header (8) + version/flags (4)
    if (run.tfdtVersion === 1) out.writeBigUInt64BE(BigInt(value), field);
    else if (value <= 0xffffffff) out.writeUInt32BE(value, field);
    else throw new Mp4Error('the export is too long for this recording\'s 32-bit fragment times; export a shorter range');
  }
  return out;
}

function advance(buffers: Buffer[], n: number): Buffer[] {
  const rest: Buffer[] = [];
  for (const b of buffers) {
    if (n >= b.length) {
      n -= b.length;
      continue;
    }
    rest.push(n > 0 ? b.subarray(n) : b);
    n = 0;
  }
  return rest;
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
