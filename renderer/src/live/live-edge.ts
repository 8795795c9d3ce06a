/**
 * Where a live player should be: close behind the newest buffered frame.
 * Pure, so it is unit-tested without a browser.
 *
 * Fragments arrive every ~250 ms, so the buffered end moves in steps and the
 * lag (buffered end - currentTime) is a saw tooth. The player plays at
 * normal speed inside the comfort band, a little faster when it has fallen
 * behind (a tab in the background, a burst after a hiccup), and jumps when
 * it is far behind or stuck in a hole (after the server skipped it ahead to a
 * keyframe, or after a camera reconnect started a new timeline).
 */

export interface EdgePolicy {
  /** Where a jump lands, behind the newest frame (s). */
  targetLagS: number;
  /** Start catching up above this lag (s)... */
  catchUpLagS: number;
  /** ...and stop once back below this (s). */
  settleLagS: number;
  /** Catch up faster above this lag (s). */
  fastLagS: number;
  /** Jump above this lag (s). */
  jumpLagS: number;
  catchUpRate: number;
  fastRate: number;
  /** Trim the buffer once it holds more than this behind the play head (s)... */
  trimAboveS: number;
  /** ...down to this much (s). */
  trimKeepS: number;
}

export const DEFAULT_EDGE_POLICY: EdgePolicy = {
  targetLagS: 0.2,
  catchUpLagS: 0.5,
  settleLagS: 0.3,
  fastLagS: 1.2,
  jumpLagS: 3,
  catchUpRate: 1.1,
  fastRate: 1.3,
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

export function decideEdge(ranges: Ranges, currentTime: number, currentRate: number, policy: EdgePolicy = DEFAULT_EDGE_POLICY): EdgeDecision {
  if (ranges.length === 0) return { seekTo: null, playbackRate: 1, trimBefore: null, lag: 0 };
  const [lastStart, end] = ranges[ranges.length - 1];
  const landing = Math.max(lastStart, end - policy.targetLagS);
  const inNewest = currentTime >= lastStart - EDGE_SLACK_S && currentTime <= end + EDGE_SLACK_S;
  let lag = Math.max(0, end - currentTime);

  let seekTo: number | null = null;
  if (!inNewest || lag > policy.jumpLagS) {
    // In a hole, in an older run, or hopelessly behind: go to the newest media.
    seekTo = landing;
    lag = end - landing;
  }

  let playbackRate = 1;
  if (seekTo === null) {
    if (lag > policy.fastLagS) playbackRate = policy.fastRate;
    else if (lag > policy.catchUpLagS) playbackRate = policy.catchUpRate;
    else if (currentRate > 1 && lag > policy.settleLagS) playbackRate = Math.min(currentRate, policy.catchUpRate);
  }

  const head = seekTo ?? currentTime;
  const firstStart = ranges[0][0];
  const trimBefore = head - firstStart > policy.trimAboveS ? head - policy.trimKeepS : null;
  return { seekTo, playbackRate, trimBefore, lag };
}

/** TimeRanges → plain pairs. */
export function rangesOf(buffered: TimeRanges): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < buffered.length; i++) out.push([buffered.start(i), buffered.end(i)]);
  return out;
}
