/**
 * Polygons (0–1 coordinates) to pixel masks, once per picture size: a pixel
 * belongs to a polygon when its centre is inside (even-odd rule, scanline).
 */
import type { Polygon } from './config.ts';

/**
 * Calls `fill(rowStart, fromX, toX)` for every run of pixels of a `width` ×
 * `height` grid whose centres lie inside `polygon` (toX exclusive).
 */
export function forEachInside(polygon: Polygon, width: number, height: number, fill: (row: number, fromX: number, toX: number) => void): void {
  const n = polygon.length;
  if (n < 3) return;
  const xs: number[] = [];
  for (let y = 0; y < height; y++) {
    const cy = (y + 0.5) / height;
    xs.length = 0;
    for (let i = 0, j = n - 1; i < n; j = i++) {
      const [x1, y1] = polygon[j];
      const [x2, y2] = polygon[i];
      // Half-open rule on y so a vertex on the scanline is counted once.
      if (y1 <= cy !== y2 <= cy) xs.push(x1 + ((cy - y1) / (y2 - y1)) * (x2 - x1));
    }
    if (xs.length < 2) continue;
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      // Pixel x is inside when its centre (x + 0.5) / width lies in [xa, xb).
      const from = Math.max(0, Math.ceil(xs[k] * width - 0.5));
      const to = Math.min(width, Math.ceil(xs[k + 1] * width - 0.5));
      if (to > from) fill(y, from, to);
    }
  }
}

/** A width × height map: `value` where any of the polygons covers the pixel, the rest untouched. */
export function rasterise(polygons: readonly Polygon[], width: number, height: number, into: Uint8Array, value: number): Uint8Array {
  for (const polygon of polygons) {
    forEachInside(polygon, width, height, (y, from, to) => into.fill(value, y * width + from, y * width + to));
  }
  return into;
}
