/**
 * Lining up the frames of a grid's tiles: every tile's frames shown in the
 * same display frame (vsync). Pure, so it is unit-tested without a browser.
 *
 * With software compositing Chromium's display compositor redraws, at each
 * vsync, the bounding box of what changed. 16 tiles at 15 fps whose frames
 * fall in scattered vsyncs make it draw up to 60 times a second; in step, 15
 * (measured on the floor page, docs/live.md: 14.9 % of a core in step
 * against 27.5 % scattered).
 *
 * A frame of a 15 fps video at 60 Hz shows at every 4th vsync; which of the
 * four depends on when its frames are due. Chromium plays a video on the
 * wall clock: frame `pts` is due at `pts + (performance.now() − currentTime)`
 * (currentTime read in a task is the media clock at that moment, to 0.1 ms;
 * measured). So `now − currentTime + pts`, modulo the frame duration, is the
 * phase of the video's frame boundaries on performance.now's clock, shared by
 * every video of the page. (requestVideoFrameCallback's `expectedDisplayTime`
 * is no good for it: it is the page's rendering-step time, the same for every
 * video called back in one, and at 30 main-thread frames a second it only
 * tells half the slots; measured on the floor page with phases set on purpose.)
 *
 * Each player samples its phase at its tick, compares the median with a
 * page-wide target (the first player's phase, moved to the middle between
 * two vsyncs, so that a frame never sits on the edge between two) and
 * corrects with a one-shot playbackRate nudge: at 1 + ε for t ms its frames
 * come ε·t ms earlier (and the lag behind the newest buffered frame is that
 * much shorter); at 1 − ε later (and the lag longer).
 *
 * The phase and the lag are the same quantity (where the play head sits
 * against the wall clock), so a shift is chosen among the candidates a whole
 * frame apart that keeps the lag's trough inside the live-edge controller's
 * dead band; in the grid that band is widened to one frame (alignedPolicy)
 * so that one always exists, and catching up does not undo the alignment.
 */
import type { EdgePolicy } from './live-edge.ts';

/** How far off (ms) a player may be before it is nudged: an eighth of a 60 Hz vsync. */
export const ALIGN_TOLERANCE_MS = 2;
/** Phase samples taken before deciding (one per player tick). */
export const PHASE_SAMPLES = 5;
/** Samples further apart than this (ms, between the second and the second-to-last of them) are not trusted: the video was stalling. */
export const PHASE_SPREAD_MS = 3;
/** The display's refresh period (ms) used when it cannot be measured (vsyncFromFrameTimes). */
export const VSYNC_MS = 1000 / 60;
/** The nudge's playback rate is 1 ± this. */
export const NUDGE_RATE_STEP = 0.1;

/** Where in the frame period (ms, in [0, frameMs)) a frame shown at `displayMs` falls. */
export function phaseOf(displayMs: number, frameMs: number): number {
  const p = displayMs % frameMs;
  return p < 0 ? p + frameMs : p;
}

/** The phase (ms) of a video's frame boundaries: `nowMs − currentTime + ptsMs` modulo the frame duration (ptsMs: any frame's media time). */
export function wallPhase(nowMs: number, currentTimeS: number, ptsMs: number, frameMs: number): number {
  return phaseOf(nowMs - currentTimeS * 1000 + ptsMs, frameMs);
}

/**
 * The median of samples' offsets (ms) from the target: how late the frames
 * are due (positive: they must come earlier); null when the samples
 * disagree (a stall moved the clock meanwhile).
 */
export function medianLateness(phases: readonly number[], targetPhase: number, frameMs: number): number | null {
  if (!phases.length) return null;
  const d = phases.map((p) => circularDiff(p, targetPhase, frameMs)).sort((a, b) => a - b);
  // Near half a period the offsets wrap: unwrap them around the first before sorting again.
  const u = d.map((x) => d[0] + circularDiff(x, d[0], frameMs)).sort((a, b) => a - b);
  if (u.length >= 3 && u[u.length - 2] - u[1] > PHASE_SPREAD_MS) return null;
  return circularDiff(u[Math.floor(u.length / 2)], 0, frameMs);
}

/**
 * The display's refresh period (ms) from consecutive animation-frame times:
 * the lower quartile of their gaps (a busy page misses frames, which only
 * makes gaps longer), or null when there are too few or it is no display's
 * (4–42 ms: 240 Hz down to 24 Hz). A 60 Hz assumption would put the
 * target on a slot's edge on a 144 Hz or 50 Hz display, where some tiles'
 * frames fall on one vsync and some on the next.
 */
export function vsyncFromFrameTimes(times: readonly number[]): number | null {
  const gaps: number[] = [];
  for (let i = 1; i < times.length; i++) gaps.push(times[i] - times[i - 1]);
  if (gaps.length < 8) return null;
  gaps.sort((a, b) => a - b);
  const q = gaps[Math.floor(gaps.length / 4)];
  return q >= 4 && q <= 42 ? q : null;
}

/** The point between two vsyncs (ms) nearest to `phase`: vsyncs are at vsyncAtMs + k·vsyncMs. */
export function slotMiddle(phase: number, vsyncAtMs: number, vsyncMs = VSYNC_MS): number {
  const mid = vsyncAtMs + vsyncMs / 2;
  return mid + Math.round((phase - mid) / vsyncMs) * vsyncMs;
}

/** a − b on a circle of circumference frameMs, in (−frameMs/2, frameMs/2]. */
export function circularDiff(a: number, b: number, frameMs: number): number {
  let d = phaseOf(a - b, frameMs);
  if (d > frameMs / 2) d -= frameMs;
  return d;
}

/** The lag's trough may move within [minS, maxS] (s) without the live-edge controller reacting. */
export interface TroughBand {
  minS: number;
  maxS: number;
}

/** The grid's edge policy: the catch-up dead band widened by one frame, so some aligned position always fits in it. */
export function alignedPolicy(policy: EdgePolicy, frameS: number): EdgePolicy {
  return { ...policy, catchUpAboveS: policy.catchUpAboveS + frameS };
}

/** Where an aligned player's trough may sit: from the controller's target to the top of its (widened) dead band. */
export function troughBand(policy: EdgePolicy, frameS: number): TroughBand {
  const minS = frameS + policy.marginS;
  return { minS, maxS: minS + alignedPolicy(policy, frameS).catchUpAboveS };
}

export interface Nudge {
  /** ms the frames come earlier (negative: later). */
  shiftMs: number;
  playbackRate: number;
  /** How long to play at that rate (wall-clock ms). */
  durationMs: number;
}

/**
 * The nudge that brings frames `lateMs` late onto the target: among shifts a
 * whole frame apart, the smallest whose resulting trough stays within the
 * band (an earlier frame is a shorter lag: never below one frame plus the
 * margin, or the next frame would not be there in time). Null when already
 * aligned, or when no shift fits (the live-edge controller moves the trough
 * first; the next burst tries again).
 */
export function chooseNudge(lateMs: number, troughS: number, frameMs: number, band: TroughBand, rateStep = NUDGE_RATE_STEP): Nudge | null {
  if (Math.abs(lateMs) < ALIGN_TOLERANCE_MS) return null;
  const fits = (shiftMs: number) => {
    const after = troughS - shiftMs / 1000;
    return after >= band.minS && after <= band.maxS;
  };
  const candidates = [lateMs, lateMs - frameMs, lateMs + frameMs].filter(fits).sort((a, b) => Math.abs(a) - Math.abs(b));
  if (!candidates.length) return null;
  const shiftMs = candidates[0];
  return { shiftMs, playbackRate: shiftMs > 0 ? 1 + rateStep : 1 - rateStep, durationMs: Math.abs(shiftMs) / rateStep };
}

/**
 * The page-wide target phase per frame duration: the first player to measure
 * one sets it and every other converges to it. Forgotten when no player is
 * left running (a new grid starts from its own first measurement).
 */
export class PhaseTargets {
  private readonly targets = new Map<number, number>();

  /** The target for this frame duration; `measured` becomes it if there is none yet. */
  targetFor(frameMs: number, measured: number): number {
    const key = Math.round(frameMs * 10);
    const have = this.targets.get(key);
    if (have !== undefined) return have;
    this.targets.set(key, measured);
    return measured;
  }

  clear(): void {
    this.targets.clear();
  }
}
