/**
 * Pure interval arithmetic for the timeline: merging contiguous footage into
 * spans and finding the gaps between them. Intervals are half-open [start, end)
 * in UTC ms.
 */

export interface Interval {
  start: number;
  end: number;
}

/**
 * Two pieces of footage closer than this are one span: the index places
 * segments by wall clock with millisecond rounding, and a recorder may nudge a
 * run's clock anchor forward, so "contiguous" segments can be a few ms apart.
 * Keep in step with 002_timeline.sql, which used the same value.
 */
export const JOIN_TOLERANCE_MS = 1000;

/**
 * Merges intervals (in any order) into sorted, disjoint spans; intervals that
 * overlap or lie within `tolerance` of each other become one span.
 */
export function mergeIntervals(intervals: readonly Interval[], tolerance = JOIN_TOLERANCE_MS): Interval[] {
  const sorted = [...intervals].filter((i) => i.end >= i.start).sort((a, b) => a.start - b.start || a.end - b.end);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i.start - last.end <= tolerance) last.end = Math.max(last.end, i.end);
    else out.push({ start: i.start, end: i.end });
  }
  return out;
}

/** The parts of [from, to) not covered by `spans` (sorted, disjoint). */
export function gapsWithin(spans: readonly Interval[], from: number, to: number): Interval[] {
  const gaps: Interval[] = [];
  let cursor = from;
  for (const s of spans) {
    if (s.end <= cursor) continue;
    if (s.start >= to) break;
    if (s.start > cursor) gaps.push({ start: cursor, end: Math.min(s.start, to) });
    cursor = Math.max(cursor, s.end);
    if (cursor >= to) break;
  }
  if (cursor < to) gaps.push({ start: cursor, end: to });
  return gaps;
}

/** Spans clipped to [from, to); empty results dropped. */
export function clipIntervals(spans: readonly Interval[], from: number, to: number): Interval[] {
  const out: Interval[] = [];
  for (const s of spans) {
    const start = Math.max(s.start, from);
    const end = Math.min(s.end, to);
    if (end > start) out.push({ start, end });
  }
  return out;
}
