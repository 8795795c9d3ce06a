import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildRegions } from '../../main/engine/detection/objects/regions.ts';
import type { Box } from '../../main/engine/detection/types.ts';

const W = 1280;
const H = 720;
const px = (r: Box) => ({ x: r.x * W, y: r.y * H, w: r.w * W, h: r.h * H });
const contains = (r: Box, b: Box) => b.x >= r.x - 1e-9 && b.y >= r.y - 1e-9 && b.x + b.w <= r.x + r.w + 1e-9 && b.y + b.h <= r.y + r.h + 1e-9;

describe('buildRegions', () => {
  it('no motion and nothing tracked: no region', () => {
    expect(buildRegions([], [], W, H, 320)).toEqual([]);
  });

  it('a small motion box gets one square region of the model size around it', () => {
    const motion: Box = { x: 0.5, y: 0.5, w: 0.02, h: 0.05 };
    const [r, ...rest] = buildRegions([motion], [], W, H, 320);
    expect(rest).toEqual([]);
    const p = px(r);
    expect(p.w).toBeCloseTo(320, 0);
    expect(p.h).toBeCloseTo(320, 0);
    expect(contains(r, motion)).toBe(true);
  });

  it('near the edge the region is shifted inside the frame, not cut', () => {
    const [r] = buildRegions([{ x: 0.98, y: 0.0, w: 0.02, h: 0.02 }], [], W, H, 320);
    const p = px(r);
    expect(p.w).toBeCloseTo(320, 0);
    expect(p.h).toBeCloseTo(320, 0);
    expect(p.x + p.w).toBeCloseTo(W, 0);
    expect(p.y).toBeCloseTo(0, 5);
  });

  it('boxes close together share one region; far apart they get one each', () => {
    const a: Box = { x: 0.1, y: 0.1, w: 0.03, h: 0.05 };
    const b: Box = { x: 0.15, y: 0.12, w: 0.03, h: 0.05 };
    const c: Box = { x: 0.85, y: 0.8, w: 0.03, h: 0.05 };
    const regions = buildRegions([a, b, c], [], W, H, 320);
    expect(regions).toHaveLength(2);
    expect(regions.some((r) => contains(r, a) && contains(r, b))).toBe(true);
    expect(regions.some((r) => contains(r, c))).toBe(true);
  });

  it('a big object gets a region bigger than the model, still square', () => {
    const big: Box = { x: 0.3, y: 0.1, w: 0.2, h: 0.6 }; // 256 × 432 px
    const [r] = buildRegions([], [big], W, H, 320);
    const p = px(r);
    expect(p.w).toBeCloseTo(p.h, 0);
    expect(p.w).toBeGreaterThan(432);
    expect(contains(r, big)).toBe(true);
  });

  it('a frame smaller than the model: the region is the whole frame', () => {
    expect(buildRegions([{ x: 0.4, y: 0.4, w: 0.1, h: 0.1 }], [], 300, 200, 416)).toEqual([{ x: 0, y: 0, w: 1, h: 1 }]);
  });

  it('property: every input box lies inside some region, regions stay in the frame, at most 4', () => {
    const box = fc
      .record({ x: fc.double({ min: 0, max: 0.95, noNaN: true }), y: fc.double({ min: 0, max: 0.95, noNaN: true }), w: fc.double({ min: 0.005, max: 0.5, noNaN: true }), h: fc.double({ min: 0.005, max: 0.5, noNaN: true }) })
      .map((b) => ({ ...b, w: Math.min(b.w, 1 - b.x), h: Math.min(b.h, 1 - b.y) }));
    fc.assert(
      fc.property(fc.array(box, { maxLength: 12 }), fc.array(box, { maxLength: 4 }), fc.constantFrom(320, 416), (motion, tracked, size) => {
        const regions = buildRegions(motion, tracked, W, H, size);
        expect(regions.length).toBeLessThanOrEqual(4);
        for (const r of regions) {
          expect(r.x).toBeGreaterThanOrEqual(0);
          expect(r.y).toBeGreaterThanOrEqual(0);
          expect(r.x + r.w).toBeLessThanOrEqual(1 + 1e-9);
          expect(r.y + r.h).toBeLessThanOrEqual(1 + 1e-9);
          expect(Math.min(r.w * W, r.h * H)).toBeGreaterThanOrEqual(Math.min(size, H) - 1);
        }
        // Every box is covered (regions round to whole pixels: 1 px slack).
        for (const b of [...motion, ...tracked]) {
          const slack = 1 / H;
          expect(regions.some((r) => b.x >= r.x - slack && b.y >= r.y - slack && b.x + b.w <= r.x + r.w + slack && b.y + b.h <= r.y + r.h + slack)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
