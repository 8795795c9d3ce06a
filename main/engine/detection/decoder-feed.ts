/**
 * What the detection decoder is fed, and when each frame it puts out was
 * captured. Pure (no process, no timers); frame-source.ts runs it.
 *
 * Decoding every frame is most of what detection costs, and most of the time
 * a camera's picture is still. So, like Blue Iris's "limit decoding", while
 * nothing moves the decoder gets only keyframes (at most one per
 * `stillIntervalMs`; a keyframe needs no other frame to be decoded), and
 * motion is looked for on those. The moment the consumer asks for more
 * (`wake`: motion seen, an object followed) every frame is decoded again,
 * starting from the current picture sequence's keyframe, whose fragments are
 * kept for this: no frame since it is lost. A stream whose keyframes are
 * further apart than `maxKeyframeIntervalMs` is always decoded whole (motion
 * checked that rarely could miss someone walking through).
 *
 * The decoder (frame-source-args.ts) turns its input into a constant-rate
 * output with ffmpeg's fps filter: output frame k is the latest input frame
 * whose time, rounded to the 1/fps grid, is at most grid point n0 + k. Its
 * input here runs on a virtual timeline: fragments passed on whole keep
 * their sample times shifted by a constant (tfdt rewritten), and a still
 * keyframe takes one grid period of virtual time. The pieces fed are kept,
 * and `frameMediaTime(k)` maps output frame k back to the camera's media
 * time through them.
 *
 * ffmpeg lets a frame out only when two more have come in, and still
 * keyframes come a second apart: each one is therefore followed by two
 * frames that push it out at once (see stillKeyframe). Those map to the
 * keyframe's own time, as does the keyframe when a catch-up feeds it again:
 * the frame source delivers no frame whose time is not after the last one's.
 */
import { parseMoof, videoRun, type TrackRun } from '../mp4/fragment.ts';
import { leadingSamples, withDecodeTime } from '../mp4/fragment-samples.ts';
import type { InitInfo } from '../mp4/init.ts';
import { readBoxHeader } from '../mp4/boxes.ts';
import { videoFragment } from '../mp4/writer.ts';

export type DecodeMode = 'every-frame' | 'keyframes';

export interface DecoderFeedOptions {
  /** The decoder's output rate (the fps filter's grid). */
  fps: number;
  /** Decode only keyframes while nothing asks for every frame. */
  keyframesWhenStill: boolean;
  /** While still, at most one keyframe per this long (some streams make every frame a keyframe). */
  stillIntervalMs?: number;
  /** Keyframes further apart than this keep the stream decoded whole. */
  maxKeyframeIntervalMs?: number;
  /** After a (re)start every frame is decoded this long: the motion background is learnt. */
  warmupMs?: number;
  /** A picture sequence kept for catching up is given up beyond this size (the next keyframe is waited for). */
  maxGopBytes?: number;
}

export interface DecoderFeedStats {
  mode: DecodeMode;
  /** Keyframes sent alone while the picture was still. */
  stillKeyframes: number;
  /** Fragments not decoded because the picture was still. */
  stillFragments: number;
  /** Times every-frame decoding resumed. */
  wakes: number;
}

/** A stretch of the decoder's input: fragments passed on (span), or one frame standing for a moment (point: a still keyframe, or a frame pushing it out). */
type Piece = { kind: 'span'; vStart: number; shift: number; realStart: number; realEnd: number } | { kind: 'point'; vStart: number; real: number };

interface Buffered {
  bytes: Buffer;
  run: TrackRun;
}

const MAX_PIECES = 4096;
/**
 * Frames sent after a still keyframe so that it leaves the decoder at once:
 * ffmpeg (5.1) lets a frame out only when two more have come in (the fps
 * filter needs the next frame to end this one, and one more packet is held
 * back before it; measured: with one follower, a still keyframe came out a
 * second late, when the next one went in).
 */
const FLUSH_FRAMES = 2;

export class DecoderFeed {
  private readonly video: { trackId: number; timescale: number; defaultDuration: number } | null;
  private readonly info: InitInfo | null;
  /** One output frame's length in track ticks (not always a whole number). */
  private readonly period: number;
  private readonly stillTicks: number;
  private readonly maxKeyGapTicks: number;
  private mode: DecodeMode = 'every-frame';
  private awakeUntil: number;
  private pieces: Piece[] = [];
  /** Grid index of the decoder's first output frame. */
  private firstGrid: number | null = null;
  /** Virtual end of what was fed last. */
  private vEnd: number | null = null;
  /** real − virtual for fragments passed on; null after a still keyframe (set again by the next fragment). */
  private shift: number | null = null;
  private lastStill = -Infinity;
  private lastKeyframe: number | null = null;
  private keyGap = Infinity;
  /** The current picture sequence's fragments, from its keyframe (kept while still, for catching up). */
  private gop: Buffered[] | null = null;
  private gopBytes = 0;
  /** Set when the stream cannot be cut to keyframes (data offsets this code cannot resolve). */
  private cannotCut = false;
  private sequence = 0;
  private readonly counters = { stillKeyframes: 0, stillFragments: 0, wakes: 0 };

  constructor(
    info: InitInfo | null,
    private readonly o: DecoderFeedOptions,
    now: number,
  ) {
    this.info = info;
    const v = info?.video;
    this.video = v && v.timescale > 0 ? { trackId: v.trackId, timescale: v.timescale, defaultDuration: v.defaultSampleDuration } : null;
    const timescale = this.video?.timescale ?? 1000;
    this.period = timescale / o.fps;
    this.stillTicks = ((o.stillIntervalMs ?? 1000) * timescale) / 1000;
    this.maxKeyGapTicks = ((o.maxKeyframeIntervalMs ?? 2000) * timescale) / 1000;
    this.awakeUntil = now + (o.warmupMs ?? 5000);
  }

  /** Fragments were left out before this one (the decoder fell behind): the kept picture sequence is broken. */
  lost(): void {
    this.gop = null;
  }

  /** Decode every frame until at least `now + ms`. */
  wake(now: number, ms: number): void {
    this.awakeUntil = Math.max(this.awakeUntil, now + ms);
  }

  stats(): DecoderFeedStats {
    return { mode: this.mode, ...this.counters };
  }

  /**
   * One fragment of the live feed (moof + mdat; `keyframe`: it starts with
   * one) → the buffers to write to the decoder, in order (possibly none),
   * and the end of the fragment's media span (ms; null when unreadable).
   */
  push(bytes: Buffer, keyframe: boolean, now: number): { out: Buffer[]; mediaEndMs: number | null } {
    const run = this.videoRunOf(bytes);
    if (!run || !this.video) {
      // Not a fragment this code reads: on as it is while that keeps the decoder's clock, else left out.
      return { out: this.shift === 0 || this.vEnd === null ? [bytes] : [], mediaEndMs: null };
    }
    return { out: this.route(bytes, run, keyframe, now), mediaEndMs: ((run.baseDecodeTime + run.duration) * 1000) / this.video.timescale };
  }

  private route(bytes: Buffer, run: TrackRun, keyframe: boolean, now: number): Buffer[] {
    const isKey = keyframe && run.startsWithSync;
    if (isKey) this.noteKeyframe(run.baseDecodeTime);
    const wantAll = !this.o.keyframesWhenStill || this.cannotCut || now < this.awakeUntil || this.keyGap > this.maxKeyGapTicks;

    if (this.mode === 'every-frame') {
      if (wantAll || !isKey) return [this.passOn(bytes, run)];
      this.mode = 'keyframes';
      this.gop = null;
      // Fragments will be left out: whatever goes in next continues from the virtual end, not from its own time.
      this.shift = null;
    }
    // Keyframes only, or waking from that.
    if (isKey) {
      this.gop = [{ bytes, run }];
      this.gopBytes = bytes.length;
    } else if (this.gop) {
      this.gop.push({ bytes, run });
      this.gopBytes += bytes.length;
      if (this.gopBytes > (this.o.maxGopBytes ?? 8 * 1024 * 1024)) this.gop = null;
    }
    if (wantAll) {
      if (!this.gop) {
        this.counters.stillFragments++;
        return []; // the keyframe to start from is gone: wait for the next one
      }
      // Catch up from this picture sequence's keyframe (decoded once already if it was sent alone: a repeat, harmless).
      this.mode = 'every-frame';
      this.counters.wakes++;
      const out = this.gop.map((f) => this.passOn(f.bytes, f.run));
      this.gop = null;
      return out;
    }
    if (isKey && run.baseDecodeTime - this.lastStill >= this.stillTicks - this.period / 2) {
      const still = this.stillKeyframe(bytes, run);
      if (still) return still;
      this.mode = 'every-frame'; // cannot cut this stream: decode it whole from here
      this.gop = null;
      return [this.passOn(bytes, run)];
    }
    this.counters.stillFragments++;
    return [];
  }

  /** Capture time (ms on the stream's media clock) of the decoder's output frame `index`; null before anything was fed or when fragments are unreadable. */
  frameMediaTime(index: number): number | null {
    const piece = this.pieceOf(index);
    if (!piece || !this.video) return null;
    const ticks = piece.kind === 'span' ? clamp((this.firstGrid! + index) * this.period + piece.shift, piece.realStart, piece.realEnd) : piece.real;
    return (ticks * 1000) / this.video.timescale;
  }

  // ----------------------------------------------------------------

  private videoRunOf(bytes: Buffer): TrackRun | null {
    if (!this.video) return null;
    try {
      const moof = readBoxHeader(bytes, 0);
      if (!moof || moof.type !== 'moof') return null;
      const run = videoRun(parseMoof(bytes.subarray(0, moof.size), this.info!), this.info!);
      return run && run.tfdtOffset >= 0 && run.sampleCount > 0 ? run : null;
    } catch {
      return null;
    }
  }

  private noteKeyframe(at: number): void {
    if (this.lastKeyframe !== null && at > this.lastKeyframe) this.keyGap = at - this.lastKeyframe;
    this.lastKeyframe = at;
  }

  private passOn(bytes: Buffer, run: TrackRun): Buffer {
    if (this.shift === null) this.shift = this.vEnd === null ? 0 : run.baseDecodeTime - this.vEnd;
    const vStart = run.baseDecodeTime - this.shift;
    const last = this.pieces.at(-1);
    if (last?.kind === 'span' && last.shift === this.shift) last.realEnd = run.baseDecodeTime + run.duration;
    else this.add({ kind: 'span', vStart, shift: this.shift, realStart: run.baseDecodeTime, realEnd: run.baseDecodeTime + run.duration });
    this.vEnd = vStart + run.duration;
    return this.shift === 0 ? bytes : withDecodeTime(bytes, run, vStart);
  }

  /**
   * The fragment's keyframe, then two frames to push it out of the decoder:
   * the samples after it in the same fragment (P-frames that follow from the
   * keyframe, so they decode cleanly and cheaply), or copies of the keyframe
   * when the fragment has none. Each takes one grid period of virtual time.
   * Null when the fragment's data cannot be located.
   */
  private stillKeyframe(bytes: Buffer, run: TrackRun): Buffer[] | null {
    const video = this.video!;
    let samples;
    try {
      samples = leadingSamples(bytes, video.trackId, 1 + FLUSH_FRAMES, video.defaultDuration);
    } catch {
      samples = null;
    }
    if (!samples?.length) {
      this.cannotCut = true;
      return null;
    }
    const vStart = this.vEnd ?? run.baseDecodeTime;
    // The keyframe ends on the grid point after the one it rounds to, so it is that grid point's frame.
    let grid = Math.round(vStart / this.period) + 1;
    let end = Math.round(grid * this.period);
    if (end <= vStart) end = Math.round(++grid * this.period);
    const out: Buffer[] = [];
    const send = (data: Buffer, keyframe: boolean, from: number, to: number) =>
      out.push(videoFragment({ sequence: ++this.sequence, decodeTime: from, duration: to - from, compositionOffset: 0, keyframe, data, trackId: video.trackId }).bytes);
    this.add({ kind: 'point', vStart, real: run.baseDecodeTime });
    send(samples[0].data, true, vStart, end);
    for (let i = 1; i <= FLUSH_FRAMES; i++) {
      const from = end;
      end = Math.round((grid + i) * this.period);
      const follower = samples[i];
      this.add({ kind: 'point', vStart: from, real: run.baseDecodeTime });
      send(follower ? follower.data : samples[0].data, !follower, from, end);
    }
    this.vEnd = end;
    this.shift = null;
    this.lastStill = run.baseDecodeTime;
    this.counters.stillKeyframes++;
    return out;
  }

  private add(piece: Piece): void {
    if (this.firstGrid === null) this.firstGrid = Math.round(piece.vStart / this.period);
    this.pieces.push(piece);
    if (this.pieces.length > MAX_PIECES) this.pieces.splice(0, this.pieces.length - MAX_PIECES);
  }

  /** The piece output frame `index` comes from; pieces before it are no longer needed (frames come out in order). */
  private pieceOf(index: number): Piece | null {
    if (this.firstGrid === null || !this.pieces.length) return null;
    const grid = this.firstGrid + index;
    let found = 0;
    for (let i = 1; i < this.pieces.length; i++) {
      if (Math.round(this.pieces[i].vStart / this.period) <= grid) found = i;
      else break;
    }
    if (found > 0) this.pieces.splice(0, found);
    return this.pieces[0];
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
