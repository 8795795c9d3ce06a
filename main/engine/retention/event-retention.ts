/**
 * "Continuous N days, events M days" (docs/detection.md "Retention"): a
 * camera's footage older than N days goes, except footage around its events
 * and review items, which stays until M days.
 *
 * Which quiet footage is due is decided here (pure, given the activity
 * spans); RetentionService deletes it. A segment is kept when it overlaps an
 * event or review item widened by `marginMs` on both sides (the clip's
 * pre-roll and post-roll).
 */
import type { SegmentRow } from '../storage/store.ts';

export const ACTIVITY_MARGIN_MS = 10_000;

export interface Span {
  start: number;
  end: number;
}

/** Segments among `candidates` that overlap none of `activity` (sorted, merged spans) widened by `marginMs`. */
export function quietSegments(candidates: readonly SegmentRow[], activity: readonly Span[], marginMs = ACTIVITY_MARGIN_MS): SegmentRow[] {
  const out: SegmentRow[] = [];
  let i = 0;
  for (const s of [...candidates].sort((a, b) => a.start - b.start)) {
    // Spans that end (with margin) before this segment starts can never overlap a later one.
    while (i < activity.length && activity[i].end + marginMs <= s.start) i++;
    let busy = false;
    for (let j = i; j < activity.length && activity[j].start - marginMs < s.end; j++) {
      if (activity[j].end + marginMs > s.start) {
        busy = true;
        break;
      }
    }
    if (!busy) out.push(s);
  }
  return out;
}
