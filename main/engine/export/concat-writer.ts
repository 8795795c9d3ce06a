/**
 * Writes one export file of a copy export: the init segment (durations set to
 * the export's length), then the chosen fragments of every source segment, in
 * order, with their tfdt decode times rebased so the file plays as one
 * continuous, gap-free fragmented MP4. Media bytes (mdat) are copied verbatim;
 * only the few bytes of each moof's tfdt change.
 *
 * Every source file is read once, front to back, in fragment-aligned batches,
 * and hashed whole on the way (its SHA-256 goes into the manifest); the output
 * is hashed as it is written. The next batch is read while the current one is
 * hashed and written, so the export runs at about the speed of a plain copy.
 */
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
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
  /** Resolves the absolute path of a segment's file (the store's containment rules apply). */
  sourcePath: (pick: SegmentPick) => string;
  batchBytes?: number;
}

interface Unit {
  start: number;
  end: number;
  /** Fragment index, or -1 for bytes that are only hashed (init, anything between fragments, a tail). */
  fragment: number;
}

const BATCH_BYTES = 8 * 1024 * 1024;

export async function writeConcatenated(plan: OutputPlan, outPath: string, opts: WriteOptions): Promise<WriteResult> {
  const firstIndex = plan.pieces[0].picks[0].index;
  const info = firstIndex.info;
  const video = info.video!;
  const out = await open(outPath, 'wx');
  const outHash = createHash('sha256');
  let written = 0;
  const write = async (buffers: Buffer[]) => {
    for (const b of buffers) outHash.update(b);
    let pending = buffers;
    while (pending.length) {
      const { bytesWritten } = await out.writev(pending);
      written += bytesWritten;
      pending = advance(pending, bytesWritten);
    }
  };
  const pieces: WrittenPiece[] = [];
  const sources: SourceDigest[] = [];
  try {
    await write([withDurations(firstIndex.init, info, plan.durationByTrack)]);
    let cursor = 0; // video ticks written so far
    for (const piece of plan.pieces) {
      const pieceStart = cursor;
      for (const pick of piece.picks) {
        throwIfAborted(opts.signal);
        const frags = pick.index.fragments;
        const placeVideo = cursor - frags[pick.first].videoTime;
        const place = new Map(info.tracks.map((t) => [t.trackId, Math.round((placeVideo * t.timescale) / video.timescale)]));
        const digest = await copySegment(pick, opts, async (i, moof, mdat) => {
          const f = frags[i];
          await write([rebase(moof, f.runs, place), mdat]);
          cursor = Math.max(cursor, placeVideo + f.videoTime + f.videoDuration);
        });
        sources.push(digest);
      }
      pieces.push({
        from: piece.from,
        to: piece.to,
        fileStartMs: Math.round((pieceStart * 1000) / video.timescale),
        fileEndMs: Math.round((cursor * 1000) / video.timescale),
        segmentIds: piece.picks.map((p) => p.segment.id),
      });
    }
    await out.sync();
    return { bytes: written, sha256: outHash.digest('hex'), durationMs: Math.round((cursor * 1000) / video.timescale), pieces, sources };
  } finally {
    await out.close();
  }
}

/**
 * Reads one source file whole, in fragment-aligned batches (the next batch is
 * read while the caller writes the current one), hashing every byte, and hands
 * the picked fragments to `emit` in order.
 */
async function copySegment(
  pick: SegmentPick,
  opts: WriteOptions,
  emit: (fragment: number, moof: Buffer, mdat: Buffer) => Promise<void>,
): Promise<SourceDigest> {
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
    if (batch.length && size + (u.end - u.start) > (opts.batchBytes ?? BATCH_BYTES)) {
      batches.push(batch);
      batch = [];
      size = 0;
    }
    batch.push(u);
    size += u.end - u.start;
  }
  if (batch.length) batches.push(batch);

  const hash = createHash('sha256');
  const fh = await open(opts.sourcePath(pick), 'r');
  try {
    let next = readBatch(fh, batches[0]);
    for (let b = 0; b < batches.length; b++) {
      const buf = await next;
      throwIfAborted(opts.signal);
      if (b + 1 < batches.length) next = readBatch(fh, batches[b + 1]);
      hash.update(buf);
      const base = batches[b][0].start;
      for (const u of batches[b]) {
        if (u.fragment < pick.first || u.fragment > pick.last) continue;
        const f = index.fragments[u.fragment];
        const at = u.start - base;
        await emit(u.fragment, buf.subarray(at, at + f.moofSize), buf.subarray(at + f.moofSize, at + f.size));
      }
      opts.onProgress?.(buf.length);
    }
  } finally {
    await fh.close();
  }
  return { segmentId: pick.segment.id, bytes: index.fileSize, sha256: hash.digest('hex') };
}

async function readBatch(fh: FileHandle, units: Unit[]): Promise<Buffer> {
  const start = units[0].start;
  const length = units[units.length - 1].end - start;
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, start + got);
    if (bytesRead === 0) throw new Error('a recording is shorter than its index (was it modified?)');
    got += bytesRead;
  }
  return buf;
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
