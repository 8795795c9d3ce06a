/**
 * Where every byte of a copy export's output file comes from, worked out
 * before a byte is read: the init segment (durations set to the export's
 * length), then the chosen fragments of every source segment in order, and
 * the new tfdt value of every track of every fragment (rebased so the file
 * plays as one continuous, gap-free fragmented MP4). Pure: the writer
 * (concat-writer.ts) turns it into reads, hashing and writes.
 *
 * Knowing the whole layout first lets the writer fill fixed, aligned windows
 * of the output (reading each source range straight to where it lands) and
 * refuse an export whose times do not fit before anything is written.
 */
import { withDurations } from '../mp4/init.ts';
import { Mp4Error } from '../mp4/boxes.ts';
import type { OutputPlan } from './plan.ts';

/** A contiguous range of the output copied from one source file. */
export interface SourceRun {
  /** Index into `picks`. */
  pick: number;
  /** Where it starts in the source file. */
  source: number;
  /** Where it starts in the output file. */
  out: number;
  length: number;
}

/** Bytes of the output to overwrite once their fragment is in place (a tfdt value). */
export interface Patch {
  out: number;
  bytes: Buffer;
}

export interface PieceLayout {
  from: number;
  to: number;
  /** Where it lies in the file (media time, ms). */
  fileStartMs: number;
  fileEndMs: number;
  segmentIds: number[];
}

export interface ConcatLayout {
  /** The output's first bytes (ftyp + moov with the export's durations). */
  init: Buffer;
  /** In output order, back to back after the init. */
  runs: SourceRun[];
  /** In output order. */
  patches: Patch[];
  size: number;
  durationMs: number;
  pieces: PieceLayout[];
}

export function layoutOf(plan: OutputPlan): ConcatLayout {
  const picks = plan.pieces.flatMap((piece) => piece.picks);
  const firstIndex = picks[0].index;
  const info = firstIndex.info;
  const video = info.video!;
  const init = withDurations(firstIndex.init, info, plan.durationByTrack);
  const runs: SourceRun[] = [];
  const patches: Patch[] = [];
  const pieceStart: number[] = [];
  let out = init.length;
  let cursor = 0; // video ticks placed so far
  let p = 0;
  for (const [pi, piece] of plan.pieces.entries()) {
    for (const pick of piece.picks) {
      const frags = pick.index.fragments;
      if (pieceStart[pi] === undefined) pieceStart[pi] = cursor;
      // Where this segment's media lands in the output: right after what is placed.
      const placeVideo = cursor - frags[pick.first].videoTime;
      const place = new Map(info.tracks.map((t) => [t.trackId, Math.round((placeVideo * t.timescale) / video.timescale)]));
      for (let i = pick.first; i <= pick.last; i++) {
        const f = frags[i];
        const prev = runs[runs.length - 1];
        if (prev && prev.pick === p && prev.source + prev.length === f.offset) prev.length += f.size;
        else runs.push({ pick: p, source: f.offset, out, length: f.size });
        for (const run of f.runs) {
          if (run.tfdtOffset < 0) continue;
          const value = Math.max(0, run.baseDecodeTime + (place.get(run.trackId) ?? 0));
          const at = out + run.tfdtOffset + 12; // box header (8) + version/flags (4)
          let bytes: Buffer;
          if (run.tfdtVersion === 1) {
            bytes = Buffer.alloc(8);
            bytes.writeBigUInt64BE(BigInt(value));
          } else if (value <= 0xffffffff) {
            bytes = Buffer.alloc(4);
            bytes.writeUInt32BE(value);
          } else {
            throw new Mp4Error("the export is too long for this recording's 32-bit fragment times; export a shorter range");
          }
          patches.push({ out: at, bytes });
        }
        out += f.size;
        cursor = Math.max(cursor, placeVideo + f.videoTime + f.videoDuration);
      }
      p++;
    }
  }
  patches.sort((a, b) => a.out - b.out);
  const ms = (ticks: number) => Math.round((ticks * 1000) / video.timescale);
  const pieces = plan.pieces.map((piece, i) => ({
    from: piece.from,
    to: piece.to,
    fileStartMs: ms(pieceStart[i]),
    fileEndMs: ms(i + 1 < plan.pieces.length ? pieceStart[i + 1] : cursor),
    segmentIds: piece.picks.map((pk) => pk.segment.id),
  }));
  return { init, runs, patches, size: out, durationMs: ms(cursor), pieces };
}
