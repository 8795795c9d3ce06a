/**
 * Where the timeline samples its thumbnails: the window cut into `count` equal
 * slices, one moment per slice that has footage. Pure: the segment under each
 * moment is looked up afterwards, all of a camera's moments in one statement.
 */
import type { Interval } from './intervals.ts';

/**
 * For each slice [a, b) of [from, to) that overlaps `spans` (sorted, disjoint,
 * clipped to the window): the slice's middle, or the nearest moment of footage
 * to it within the slice's first overlapping span: integer UTC ms, ascending.
 */
export function thumbnailMoments(spans: readonly Interval[], from: number, to: number, count: number): number[] {
  const out: number[] = [];
  const slice = (to - from) / count;
  let s = 0;
  for (let j = 0; j < count; j++) {
    const a = from + j * slice;
    const b = a + slice;
    while (s < spans.length && spans[s].end <= a) s++;
    if (s >= spans.length) break;
    const span = spans[s];
    if (span.start >= b) continue; // no footage in this slice
    out.push(Math.floor(Math.min(Math.max((a + b) / 2, span.start), span.end - 1)));
  }
  return out;
}
