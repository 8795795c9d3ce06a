/**
 * What a playback feed has appended from a segment, and what it skips, as
 * spans of the segment's media time (ms). Pure, so it is tested in Node
 * (tests/timeline/feed-spans.test.ts).
 */

/** A media range of one segment, in ms of the segment's media time. */
export interface Span {
  from: number;
  to: number;
}

/**
 * The first time in [from, to) (ms) not covered by `spans` (appended ranges
 * and skipped GOPs, which may touch or overlap), or null when all is covered.
 */
export function firstGap(spans: readonly Span[], from: number, to: number): number | null {
  let at = from;
  for (const r of [...spans].sort((a, b) => a.from - b.from)) {
    if (r.from > at + 1) break;
    if (r.to > at) at = r.to;
  }
  return at >= to - 1 ? null : at;
}
