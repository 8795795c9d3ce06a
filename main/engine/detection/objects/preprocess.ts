/**
 * Pre-processing: one region of an RgbFrame → the model's input tensor.
 *
 * Split in two: `cropRegion` (a row copy, on the caller's thread) and
 * `resizeNormalise` (the arithmetic, ~2–3 ms per region, on the inference
 * thread). `prepareInput` does both in one place (tests, bench).
 *
 * The region (source pixels) is scaled by one factor so its longer side fills
 * the model's square input (bilinear), placed at the top-left, and the rest is
 * padded with zeros — a region clamped at the frame's edge is not square, and
 * stretching it would distort the objects the model learnt. `toFrame` maps a
 * point of the model's input back to source pixels.
 *
 * Layout: planar CHW float32 (NCHW with N = 1), channels in the model's
 * order, each value (byte − mean) × scale. NanoDet was trained on OpenCV's
 * BGR with mean (103.53, 116.28, 123.675) and std (57.375, 57.12, 58.395) —
 * measured on the darknet pictures, that beats RGB or 0–1 input
 * (docs/detection-model.md).
 */
import { checkFrame, rgbOfRect } from '../frame-format.ts';
import type { RgbFrame } from '../types.ts';

/** A rectangle in source pixels. */
export interface PixelRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface InputSpec {
  /** Square input side (416 for NanoDet). */
  size: number;
  /** Channel order of the input planes. */
  order: 'rgb' | 'bgr';
  /** Per input plane (in `order`) mean and scale: value = (byte − mean) × scale. */
  mean: [number, number, number];
  scale: [number, number, number];
}

export interface PreparedInput {
  data: Float32Array;
  dims: [1, 3, number, number];
  /** Source pixels per model pixel, and the region's origin: source = origin + model × factor. */
  factor: number;
  originX: number;
  originY: number;
}

/** Clamps a rectangle to the frame and rounds it to whole pixels (at least 1×1). */
export function clampRect(r: PixelRect, width: number, height: number): PixelRect {
  const x0 = Math.max(0, Math.min(width - 1, Math.floor(r.x)));
  const y0 = Math.max(0, Math.min(height - 1, Math.floor(r.y)));
  const x1 = Math.max(x0 + 1, Math.min(width, Math.ceil(r.x + r.w)));
  const y1 = Math.max(y0 + 1, Math.min(height, Math.ceil(r.y + r.h)));
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/** A copy of one rectangle of a frame (rgb24), and where it was. */
export interface Crop {
  data: Uint8Array;
  width: number;
  height: number;
  originX: number;
  originY: number;
}

/**
 * Copies `rect` (clamped) out of the frame as rgb24 (a row copy, or the
 * region's yuv420p → rgb conversion: only the searched pixels are
 * converted): the only pre-processing done on the caller's thread.
 */
export function cropRegion(frame: RgbFrame, rect: PixelRect): Crop {
  checkFrame(frame);
  const r = clampRect(rect, frame.width, frame.height);
  return { data: rgbOfRect(frame, r.x, r.y, r.w, r.h), width: r.w, height: r.h, originX: r.x, originY: r.y };
}

/** Source pixels per model pixel for a crop of w × h. */
export function cropFactor(w: number, h: number, size: number): number {
  return Math.max(w, h) / size;
}

/**
 * Resizes a whole rgb24 image (w × h) into the model's planar input, normalised (see the file comment).
 * Self-contained on purpose — no outside references, no inner functions — because the inference
 * thread runs this very function from its source text (session.ts), and tests run it here.
 */
export function resizeNormalise(src: Uint8Array, w: number, h: number, size: number, bgr: boolean, mean: readonly number[], scale: readonly number[]): Float32Array {
  const n = size;
  const factor = Math.max(w, h) / n;
  const outW = Math.min(n, Math.round(w / factor));
  const outH = Math.min(n, Math.round(h / factor));
  const plane = n * n;
  const out = new Float32Array(3 * plane);
  // Padding is black: the normalised value of a 0 byte.
  for (let c = 0; c < 3; c++) {
    const pad = -mean[c] * scale[c];
    if (pad !== 0) out.fill(pad, c * plane, (c + 1) * plane);
  }
  // Column sampling table: the two source columns and the weight of the second (half-pixel centres).
  const x0s = new Int32Array(outW);
  const x1s = new Int32Array(outW);
  const wx = new Float32Array(outW);
  for (let ox = 0; ox < outW; ox++) {
    const sx = Math.min(w - 1, Math.max(0, (ox + 0.5) * factor - 0.5));
    const ix = Math.floor(sx);
    x0s[ox] = ix * 3;
    x1s[ox] = Math.min(w - 1, ix + 1) * 3;
    wx[ox] = sx - ix;
  }
  // Source channel r, g, b → its plane, and that plane's mean and scale.
  const pr = bgr ? 2 : 0;
  const pb = bgr ? 0 : 2;
  const m0 = mean[pr];
  const m1 = mean[1];
  const m2 = mean[pb];
  const s0 = scale[pr];
  const s1 = scale[1];
  const s2 = scale[pb];
  const o0 = pr * plane;
  const o1 = plane;
  const o2 = pb * plane;
  for (let oy = 0; oy < outH; oy++) {
    const sy = Math.min(h - 1, Math.max(0, (oy + 0.5) * factor - 0.5));
    const iy = Math.floor(sy);
    const fy = sy - iy;
    const row0 = iy * w * 3;
    const row1 = Math.min(h - 1, iy + 1) * w * 3;
    let o = oy * n;
    for (let ox = 0; ox < outW; ox++, o++) {
      const a = row0 + x0s[ox];
      const b = row0 + x1s[ox];
      const c = row1 + x0s[ox];
      const d = row1 + x1s[ox];
      const fx = wx[ox];
      const w00 = (1 - fx) * (1 - fy);
      const w01 = fx * (1 - fy);
      const w10 = (1 - fx) * fy;
      const w11 = fx * fy;
      out[o0 + o] = (src[a] * w00 + src[b] * w01 + src[c] * w10 + src[d] * w11 - m0) * s0;
      out[o1 + o] = (src[a + 1] * w00 + src[b + 1] * w01 + src[c + 1] * w10 + src[d + 1] * w11 - m1) * s1;
      out[o2 + o] = (src[a + 2] * w00 + src[b + 2] * w01 + src[c + 2] * w10 + src[d + 2] * w11 - m2) * s2;
    }
  }
  return out;
}

/** Crops `rect` (source pixels) out of `frame`, resizes and normalises it into the model's input (all on this thread). */
export function prepareInput(frame: RgbFrame, rect: PixelRect, spec: InputSpec): PreparedInput {
  const crop = cropRegion(frame, rect);
  const data = resizeNormalise(crop.data, crop.width, crop.height, spec.size, spec.order === 'bgr', spec.mean, spec.scale);
  return { data, dims: [1, 3, spec.size, spec.size], factor: cropFactor(crop.width, crop.height, spec.size), originX: crop.originX, originY: crop.originY };
}
