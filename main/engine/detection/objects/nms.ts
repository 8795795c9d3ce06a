/**
 * Candidate boxes (corner form, any unit) and non-maximum suppression: of
 * boxes of the same class that overlap by more than `iouThreshold`, only the
 * best-scoring survives.
 */

/** A box in corner form with its class index and score. */
export interface Candidate {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  score: number;
  classIndex: number;
}

/** Intersection over union of two corner-form boxes (0 when either is empty). */
export function iouCorners(a: { x1: number; y1: number; x2: number; y2: number }, b: { x1: number; y1: number; x2: number; y2: number }): number {
  const iw = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const ih = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter;
  return union > 0 ? inter / union : 0;
}

/** Class-aware NMS; returns the kept candidates, best first, at most `maxKeep`. */
export function nms(candidates: Candidate[], iouThreshold = 0.45, maxKeep = 100): Candidate[] {
  const sorted = [...candidates].sort((a, b) => b.score - a.score);
  const kept: Candidate[] = [];
  for (const c of sorted) {
    if (kept.length >= maxKeep) break;
    if (kept.some((k) => k.classIndex === c.classIndex && iouCorners(k, c) > iouThreshold)) continue;
    kept.push(c);
  }
  return kept;
}
