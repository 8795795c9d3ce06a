/**
 * What a copy export of one camera takes from each segment: which fragments
 * (cut at keyframes: from the last keyframe at or before `from` up to the last
 * fragment that starts before `to`), in which output file (a new file only
 * when the codec configuration changes), and which "pieces" of real time the
 * output holds (gaps are collapsed: a new piece starts after each hole).
 */
import type { SegmentRow } from '../storage/store.ts';
import type { SegmentIndex } from '../mp4/fragment-index.ts';
import { path as boxPath, children } from '../mp4/boxes.ts';
import { JOIN_TOLERANCE_MS } from '../timeline/intervals.ts';

export interface SegmentPick {
  segment: SegmentRow;
  index: SegmentIndex;
  /** Fragment indexes [first, last] (inclusive) copied from this segment. */
  first: number;
  last: number;
  /** UTC of the first copied fragment's start and of the last one's end. */
  from: number;
  to: number;
}

export interface Piece {
  /** UTC range of real time this piece holds. */
  from: number;
  to: number;
  picks: SegmentPick[];
}

export interface OutputPlan {
  /** Pieces in time order; within a file they are concatenated gap-free. */
  pieces: Piece[];
  /** Sum of copied video durations per track id (track timescale), for the init header. */
  durationByTrack: Map<number, number>;
  /** Video duration of the file in ms. */
  durationMs: number;
  /** Source bytes read (whole files: every source file is hashed). */
  sourceBytes: number;
}

const ms = (index: SegmentIndex, ticks: number) => (ticks * 1000) / index.videoTimescale;

/** Picks the fragments of one segment inside [from, to); null when none qualify. */
export function pickFragments(segment: SegmentRow, index: SegmentIndex, from: number, to: number): SegmentPick | null {
  const frags = index.fragments;
  if (!frags.length) return null;
  let first = 0;
  for (let i = 0; i < frags.length; i++) {
    const start = segment.start + ms(index, frags[i].videoTime);
    if (start > from) break;
    if (frags[i].keyframe) first = i;
  }
  // A segment always starts on a keyframe, but a recovered one may not: start at its first keyframe.
  while (first < frags.length && !frags[first].keyframe) first++;
  if (first >= frags.length) return null;
  let last = -1;
  for (let i = first; i < frags.length; i++) {
    if (segment.start + ms(index, frags[i].videoTime) >= to) break;
    last = i;
  }
  if (last < first) return null;
  const tail = frags[last];
  const end = segment.start + ms(index, tail.videoTime + tail.videoDuration);
  // Fragments wholly before `from` only when they lead up to the keyframe cut.
  if (end <= from) return null;
  return { segment, index, first, last, from: Math.round(segment.start + ms(index, frags[first].videoTime)), to: Math.round(end) };
}

/** The codec configuration of an init segment: track ids, timescales and sample descriptions. */
export function initSignature(index: SegmentIndex): string {
  const init = index.init;
  const moov = children(init).find((b) => b.type === 'moov');
  const parts: string[] = [];
  for (const trak of children(init, moov).filter((b) => b.type === 'trak')) {
    const stsd = boxPath(init, trak, ['mdia', 'minf', 'stbl', 'stsd']);
    if (stsd) parts.push(init.subarray(stsd.start, stsd.start + stsd.size).toString('base64'));
  }
  return `${index.info.tracks.map((t) => `${t.trackId}/${t.timescale}`).join(',')}|${parts.join('|')}`;
}

/**
 * Splits one camera's picks into output files (by codec configuration) and
 * pieces (by holes in time).
 */
export function planOutputs(picks: SegmentPick[], tolerance = JOIN_TOLERANCE_MS): OutputPlan[] {
  const outputs: { signature: string; plan: OutputPlan }[] = [];
  for (const pick of picks) {
    const signature = initSignature(pick.index);
    let current = outputs[outputs.length - 1];
    if (!current || current.signature !== signature) {
      current = { signature, plan: { pieces: [], durationByTrack: new Map(), durationMs: 0, sourceBytes: 0 } };
      outputs.push(current);
    }
    const plan = current.plan;
    const piece = plan.pieces[plan.pieces.length - 1];
    if (piece && pick.from - piece.to <= tolerance) {
      piece.picks.push(pick);
      piece.to = Math.max(piece.to, pick.to);
    } else {
      plan.pieces.push({ from: pick.from, to: pick.to, picks: [pick] });
    }
    for (let i = pick.first; i <= pick.last; i++) {
      for (const run of pick.index.fragments[i].runs) {
        plan.durationByTrack.set(run.trackId, (plan.durationByTrack.get(run.trackId) ?? 0) + run.duration);
      }
    }
    plan.sourceBytes += pick.index.fileSize;
  }
  for (const { plan } of outputs) {
    const first = plan.pieces[0].picks[0].index;
    const video = first.info.video!;
    plan.durationMs = Math.round(((plan.durationByTrack.get(video.trackId) ?? 0) * 1000) / video.timescale);
  }
  return outputs.map((o) => o.plan);
}
