/**
 * The geometry of the zone/mask editor, apart from React so it is tested on
 * its own: points are [x, y] in 0–1 of the camera picture (what the API
 * stores), hit tests are done in screen pixels (a handle is as easy to grab on
 * a wide picture as on a tall one).
 */

export type Point = [number, number];

/** What the API accepts (preload/contract/detection.ts): 3–64 points per polygon, ≤ 16 zones and ≤ 16 masks. */
export const MIN_POINTS = 3;
export const MAX_POINTS = 64;
export const MAX_SHAPES = 16;
/** How close (px) a click must be to a handle to grab it, or to the first point to close the polygon. */
export const HANDLE_RADIUS_PX = 10;

export interface Size {
  width: number;
  height: number;
}

/** Clamped to the picture and rounded to 4 decimals (a tenth of a pixel on a 4K picture). */
export function normalise(px: number, py: number, size: Size): Point {
  const x = size.width > 0 ? px / size.width : 0;
  const y = size.height > 0 ? py / size.height : 0;
  return [round4(clamp01(x)), round4(clamp01(y))];
}

export function toPixels(p: Point, size: Size): [number, number] {
  return [p[0] * size.width, p[1] * size.height];
}

/** Index of the point within `radiusPx` of (px, py), the nearest one, or -1. */
export function nearestPoint(points: readonly Point[], px: number, py: number, size: Size, radiusPx = HANDLE_RADIUS_PX): number {
  let best = -1;
  let bestD = radiusPx * radiusPx;
  points.forEach((p, i) => {
    const [x, y] = toPixels(p, size);
    const d = (x - px) ** 2 + (y - py) ** 2;
    if (d <= bestD) {
      best = i;
      bestD = d;
    }
  });
  return best;
}

/** Even-odd rule; points in 0–1. */
export function containsPoint(points: readonly Point[], p: Point): boolean {
  let inside = false;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const [xi, yi] = points[i];
    const [xj, yj] = points[j];
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Area in 0–1 units (shoelace), to refuse a polygon whose points are all on a line. */
export function area(points: readonly Point[]): number {
  let s = 0;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) s += points[j][0] * points[i][1] - points[i][0] * points[j][1];
  return Math.abs(s) / 2;
}

/** Why a drawn polygon cannot be closed yet, or null when it can. */
export function closeProblem(points: readonly Point[]): string | null {
  if (points.length < MIN_POINTS) return `A polygon needs at least ${MIN_POINTS} points.`;
  if (points.length > MAX_POINTS) return `A polygon has at most ${MAX_POINTS} points.`;
  if (area(points) < 1e-5) return 'The points are on a line: spread them out.';
  return null;
}

export function movePoint(points: readonly Point[], index: number, to: Point): Point[] {
  return points.map((p, i) => (i === index ? to : p));
}

/** A zone id the API accepts ([a-z0-9-], 1–40) made from its name, unique among `taken`. */
export function slugFor(name: string, taken: readonly string[]): string {
  const base =
    name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 34)
      .replace(/-+$/g, '') || 'zone';
  if (!taken.includes(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}`;
    if (!taken.includes(candidate)) return candidate;
  }
}

/** The next default name: "Zone 1", "Zone 2", … skipping names in use. */
export function nextName(prefix: string, taken: readonly string[]): string {
  for (let n = 1; ; n++) {
    const name = `${prefix} ${n}`;
    if (!taken.includes(name)) return name;
  }
}

/** Where to write a polygon's name: its topmost-leftmost point's neighbourhood, in 0–1. */
export function labelAnchor(points: readonly Point[]): Point {
  let best = points[0] ?? [0, 0];
  for (const p of points) if (p[1] < best[1] || (p[1] === best[1] && p[0] < best[0])) best = p;
  return best;
}

function clamp01(v: number): number {
  return Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0;
}

function round4(v: number): number {
  return Math.round(v * 10_000) / 10_000;
}
