/**
 * Where a live player should be: close behind the newest buffered frame.
 * Pure, so it is unit-tested without a browser.
 *
 * Fragments arrive every ~250 ms, so the lag (newest buffered time - play
 * head) is a saw tooth: it drops while playing, then jumps up by a fragment.
 * What matters is its trough, the margin left just before the next fragment
 * lands: below one frame the next frame is not there when it is due and the
 * picture freezes until data comes. So the player steers the trough (the
 * smallest lag over the last second or so), not the instantaneous lag,
 * towards one frame plus a small margin: a little faster than real time while
 * the trough is larger than that, normal speed once it is down. It jumps when far
 * behind, or when the play head sits in a hole (after the server skipped it
 * ahead to a keyframe, or after a camera reconnect started a new timeline).
 */

export interface EdgePolicy {
  /** The trough wanted is one frame plus this margin (s): arrival jitter. */
  marginS: number;
  /** Catch up while the trough is above troughS plus this (s)... */
  catchUpAboveS: number;
  /** ...faster while it is above this (s). */
  fastAboveS: number;
  /** Jump when the instantaneous lag exceeds this (s). */
  jumpLagS: number;
  /** Where a jump lands, behind the newest frame (s). */
  landingLagS: number;
  catchUpRate: number;
  fastRate: number;
  /** Trim the buffer once it holds more than this behind the play head (s)... */
  trimAboveS: number;
  /** ...down to this much (s). */
  trimKeepS: number;
}

export const DEFAULT_EDGE_POLICY: EdgePolicy = {
  marginS: 0.045,
  // Small: the trough sits within 20 ms of its target instead of anywhere up
  // to 60 ms above it (the player's buffer is most of the live latency).
  catchUpAboveS: 0.02,
  fastAboveS: 0.5,
  jumpLagS: 2,
  landingLagS: 0.15,
  catchUpRate: 1.1,
  fastRate: 1.25,
  trimAboveS: 12,
  trimKeepS: 4,
};

/** Buffered time ranges as [start, end] pairs, in order. */
export type Ranges = readonly (readonly [number, number])[];

export interface EdgeDecision {
  /** Seek here (s), or null to stay. */
  seekTo: number | null;
  playbackRate: number;
  /** Remove buffered media before this time (s), or null. */
  trimBefore: number | null;
  /** Seconds between the play head and the newest frame (after a seek, the new lag). */
  lag: number;
}

/** Tolerance when deciding whether the play head is inside a range (MSE ranges have ragged edges). */
const EDGE_SLACK_S = 0.1;

/**
 * @param recentTrough the smallest lag seen over the last ~1.5 s (the player
 *   keeps it); pass the current lag when there is no history yet.
 * @param frameS the stream's frame duration (s), e.g. 1/15.
 */
export function decideEdge(
  ranges: Ranges,
  currentTime: number,
  currentRate: number,
  recentTrough: number,
  frameS: number,
  policy: EdgePolicy = DEFAULT_EDGE_POLICY,
): EdgeDecision {
  if (ranges.length === 0) return { seekTo: null, playbackRate: 1, trimBefore: null, lag: 0 };
  const [lastStart, end] = ranges[ranges.length - 1];
  const inNewest = currentTime >= lastStart - EDGE_SLACK_S && currentTime <= end + EDGE_SLACK_S;
  let lag = Math.max(0, end - currentTime);

  let seekTo: number | null = null;
  if (!inNewest || lag > policy.jumpLagS) {
    // In a hole, in an older run, or hopelessly behind: go to the newest media.
    seekTo = Math.max(lastStart, end - Math.max(policy.landingLagS, frameS + policy.marginS));
    lag = end - seekTo;
  }

  let playbackRate = 1;
  if (seekTo === null) {
    const trough = Math.min(recentTrough, lag);
    const excess = trough - (frameS + policy.marginS);
    if (excess > policy.fastAboveS) playbackRate = policy.fastRate;
    else if (excess > policy.catchUpAboveS) playbackRate = policy.catchUpRate;
    // Hysteresis: once catching up, go on until the trough is down to the target.
    else if (currentRate > 1 && excess > 0) playbackRate = policy.catchUpRate;
  }

  const head = seekTo ?? currentTime;
  const firstStart = ranges[0][0];
  const trimBefore = head - firstStart > policy.trimAboveS ? head - policy.trimKeepS : null;
  return { seekTo, playbackRate, trimBefore, lag };
}

/** The smallest lag of the recent samples (the saw tooth's trough). */
export class TroughTracker {
  private samples: { at: number; lag: number }[] = [];

  constructor(private readonly windowMs = 1500) {}

  /** Adds a sample and returns the trough over the window. */
  add(at: number, lag: number): number {
    this.samples.push({ at, lag });
    while (this.samples.length && this.samples[0].at < at - this.windowMs) this.samples.shift();
    return Math.min(...this.samples.map((s) => s.lag));
  }

  /** Forget the history (after a jump or a reset, the old lags mean nothing). */
  reset(): void {
    this.samples = [];
  }
}

/** The frame duration from successive presented media times (median of the recent ones). */
export class FrameClock {
  private deltas: number[] = [];
  private last: number | null = null;

  constructor(private readonly fallbackS = 1 / 15) {}

  /** Adds a presented frame's media time (s). */
  add(mediaTime: number): void {
    if (this.last !== null) {
      const d = mediaTime - this.last;
      if (d > 0.005 && d < 1) {
        this.deltas.push(d);
        if (this.deltas.length > 15) this.deltas.shift();
      }
    }
    this.last = mediaTime;
  }

  /** After a seek or a new run, the next delta means nothing. */
  reset(): void {
    this.last = null;
  }

  get seconds(): number {
    if (this.deltas.length < 3) return this.fallbackS;
    const sorted = [...this.deltas].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
  }
}
