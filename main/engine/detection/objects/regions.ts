/**
 * Regions: where in a frame to run the object detector (pure).
 *
 *   buildRegions(motionBoxes, trackedBoxes, frameW, frameH, modelSize) → Box[]
 *
 * As Frigate does: the model sees a square crop at least its own input size
 * (in source pixels), not the whole frame squeezed — a person 60 px tall in a
 * 1280-wide frame stays 60 px instead of shrinking to 20. Motion boxes and the
 * (predicted) boxes of tracked objects are clustered greedily: a box joins a
 * cluster when the square around both still fits in one region; each cluster
 * becomes a square `max(modelSize, extent × 1.35)` centred on it, shifted to
 * stay inside the frame, and clamped to the frame when the frame is smaller.
 * A cluster that already lies inside another's region gets none of its own.
 *
 * Inputs and output are normalised boxes (0–1 of the frame); the output
 * regions are square in source pixels (except where clamped to the frame).
 */
import type { Box } from '../types.ts';

/** Margin around a cluster so that an object at its edge is still whole in the crop. */
const MULTIPLIER = 1.35;
/** Hard cap on regions per frame: each one is a model run. */
const MAX_REGIONS = 4;

interface Px {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

const toPx = (b: Box, w: number, h: number): Px => ({ x1: b.x * w, y1: b.y * h, x2: (b.x + b.w) * w, y2: (b.y + b.h) * h });
const union = (a: Px, b: Px): Px => ({ x1: Math.min(a.x1, b.x1), y1: Math.min(a.y1, b.y1), x2: Math.max(a.x2, b.x2), y2: Math.max(a.y2, b.y2) });
const extent = (a: Px) => Math.max(a.x2 - a.x1, a.y2 - a.y1);

/** The square region (source pixels) around `box`, at least `modelSize`, kept inside the frame. */
export function regionAround(box: Px, frameW: number, frameH: number, modelSize: number): Px {
  // Whole pixels, and the side rounded once so the region stays square.
  const side = Math.ceil(Math.max(modelSize, extent(box) * MULTIPLIER));
  const cx = (box.x1 + box.x2) / 2;
  const cy = (box.y1 + box.y2) / 2;
  const place = (c: number, limit: number, lo: number, hi: number): [number, number] => {
    if (side >= limit) return [0, limit];
    let start = Math.round(c - side / 2);
    start = Math.max(Math.min(start, Math.floor(lo)), Math.ceil(hi) - side); // never cut the box by rounding
    start = Math.min(Math.max(0, start), limit - side);
    return [start, start + side];
  };
  const [x1, x2] = place(cx, frameW, box.x1, box.x2);
  const [y1, y2] = place(cy, frameH, box.y1, box.y2);
  return { x1, y1, x2, y2 };
}

const inside = (b: Px, r: Px) => b.x1 >= r.x1 && b.y1 >= r.y1 && b.x2 <= r.x2 && b.y2 <= r.y2;

export function buildRegions(motionBoxes: readonly Box[], trackedBoxes: readonly Box[], frameW: number, frameH: number, modelSize: number): Box[] {
  if (frameW <= 0 || frameH <= 0) return [];
  const boxes = [...motionBoxes, ...trackedBoxes]
    .filter((b) => b.w > 0 && b.h > 0)
    .map((b) => clampPx(toPx(b, frameW, frameH), frameW, frameH))
    .sort((a, b) => extent(b) - extent(a));
  const clusters: Px[] = [];
  for (const b of boxes) {
    // Join the first cluster whose combined extent still fits one model-sized region.
    const i = clusters.findIndex((c) => extent(union(c, b)) * MULTIPLIER <= Math.max(modelSize, extent(c) * MULTIPLIER));
    if (i >= 0) clusters[i] = union(clusters[i], b);
    else clusters.push(b);
  }
  // A cluster already inside another cluster's region needs no region of its own.
  const regions: Px[] = [];
  for (const c of clusters) if (!regions.some((r) => inside(c, r))) regions.push(regionAround(c, frameW, frameH, modelSize));
  const chosen = regions.length > MAX_REGIONS ? [regionAround(boxes.reduce(union), frameW, frameH, modelSize)] : regions;
  return chosen.map((r) => ({ x: r.x1 / frameW, y: r.y1 / frameH, w: (r.x2 - r.x1) / frameW, h: (r.y2 - r.y1) / frameH }));
}

const clampPx = (b: Px, w: number, h: number): Px => ({ x1: Math.max(0, b.x1), y1: Math.max(0, b.y1), x2: Math.min(w, b.x2), y2: Math.min(h, b.y2) });
