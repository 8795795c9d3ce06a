// Pre-processing, decoding, NMS and label mapping (pure parts of the detector).
import { describe, expect, it } from 'vitest';
import { decodeNanodet, decodeYolo } from '../../main/engine/detection/objects/decode.ts';
import { COCO_LABELS, labelTable, parseLabelFile, toObjectLabel } from '../../main/engine/detection/objects/labels.ts';
import { iouCorners, nms } from '../../main/engine/detection/objects/nms.ts';
import { clampRect, cropRegion, prepareInput, resizeNormalise } from '../../main/engine/detection/objects/preprocess.ts';

describe('labels', () => {
  it('maps COCO to Keepwatch: motorcycle → motorbike, truck and bus → car, horse → nothing', () => {
    expect(toObjectLabel('motorcycle')).toBe('motorbike');
    expect(toObjectLabel('truck')).toBe('car');
    expect(toObjectLabel('bus')).toBe('car');
    expect(toObjectLabel('Person ')).toBe('person');
    expect(toObjectLabel('horse')).toBeNull();
    const table = labelTable(COCO_LABELS);
    expect(table[0]).toBe('person');
    expect(table[16]).toBe('dog');
    expect(table[15]).toBe('cat');
    expect(table[14]).toBe('bird');
    expect(table.filter((l) => l !== null)).toHaveLength(9);
  });

  it('reads a class list file', () => {
    expect(parseLabelFile('person\r\n\n# vehicles\ncar  # four wheels\n')).toEqual(['person', 'car']);
  });
});

describe('prepareInput', () => {
  const frame = (w: number, h: number, rgb: (x: number, y: number) => [number, number, number]) => {
    const data = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(rgb(x, y), (y * w + x) * 3);
    return { width: w, height: h, data, at: 0 };
  };

  it('copies a region at scale 1 exactly, planar, in the model channel order, normalised', () => {
    const f = frame(8, 8, (x, y) => [x * 10, y * 10, 200]);
    const spec = { size: 4, order: 'bgr' as const, mean: [100, 0, 0] as [number, number, number], scale: [0.5, 1, 1] as [number, number, number] };
    const p = prepareInput(f, { x: 2, y: 3, w: 4, h: 4 }, spec);
    expect(p.dims).toEqual([1, 3, 4, 4]);
    expect(p.factor).toBe(1);
    // plane 0 = blue (200 − 100) × 0.5, plane 1 = green = y × 10, plane 2 = red = x × 10.
    expect(p.data[0]).toBe(50);
    expect(p.data[16 + 1 * 4 + 2]).toBe((3 + 1) * 10);
    expect(p.data[32 + 1 * 4 + 2]).toBe((2 + 2) * 10);
  });

  it('keeps the aspect ratio: a wide region fills the width and pads the rest with normalised zero', () => {
    const f = frame(16, 8, () => [255, 255, 255]);
    const spec = { size: 8, order: 'rgb' as const, mean: [0, 0, 0] as [number, number, number], scale: [1 / 255, 1 / 255, 1 / 255] as [number, number, number] };
    const p = prepareInput(f, { x: 0, y: 0, w: 16, h: 8 }, spec);
    expect(p.factor).toBe(2);
    expect(p.data[3 * 8 + 7]).toBeCloseTo(1, 5); // row 3: inside
    expect(p.data[4 * 8 + 0]).toBe(0); // row 4: padding
  });

  it('resizeNormalise runs from its own source text, as the inference thread runs it', () => {
    // The worker evaluates resizeNormalise.toString(): it must reference nothing outside itself.
    const standalone = new Function(`"use strict"; return (${resizeNormalise.toString()});`)() as typeof resizeNormalise;
    const f = frame(37, 23, (x, y) => [(x * 7) % 256, (y * 11) % 256, (x * y) % 256]);
    const crop = cropRegion(f, { x: 3, y: 2, w: 30, h: 20 });
    const args = [crop.data, crop.width, crop.height, 16, true, [103.53, 116.28, 123.675], [1 / 57.375, 1 / 57.12, 1 / 58.395]] as const;
    expect(Array.from(standalone(...args))).toEqual(Array.from(resizeNormalise(...args)));
  });

  it('crops regions row by row', () => {
    const f = frame(4, 3, (x, y) => [x, y, 9]);
    const c = cropRegion(f, { x: 1, y: 1, w: 2, h: 2 });
    expect(c).toMatchObject({ width: 2, height: 2, originX: 1, originY: 1 });
    expect(Array.from(c.data)).toEqual([1, 1, 9, 2, 1, 9, 1, 2, 9, 2, 2, 9]);
  });

  it('clamps regions to the frame', () => {
    expect(clampRect({ x: -5, y: 10, w: 100, h: 100 }, 50, 40)).toEqual({ x: 0, y: 10, w: 50, h: 30 });
  });

  it('refuses a frame whose bytes do not match its size', () => {
    expect(() => prepareInput({ width: 10, height: 10, data: new Uint8Array(10), at: 0 }, { x: 0, y: 0, w: 10, h: 10 }, { size: 4, order: 'rgb', mean: [0, 0, 0], scale: [1, 1, 1] })).toThrow(/rgb24/);
  });
});

describe('decodeNanodet', () => {
  it('decodes a cell: sigmoid scores, softmax distances × stride from the cell centre', () => {
    // One level at input 32 with stride 16: 2 × 2 cells, 3 classes, 2 bins per side (distances
    // from the cell's corner point, as NanoDet-Plus; the legacy 11-bin head is checked below).
    const scores = new Float32Array(4 * 3);
    scores[3 * 3 + 1] = 0.9; // cell 3 (col 1, row 1), class 1
    scores[0] = 0.1; // below the threshold
    const dist = new Float32Array(4 * 8);
    // cell 3: each side all mass on bin 1 → distance 1 stride = 16 px.
    for (let k = 0; k < 4; k++) {
      dist[3 * 8 + k * 2] = -50;
      dist[3 * 8 + k * 2 + 1] = 50;
    }
    const out = decodeNanodet({ s: { data: scores, dims: [1, 4, 3] }, d: { data: dist, dims: [1, 4, 8] } }, { inputSize: 32, classCount: 3, scoreThreshold: 0.3 });
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ classIndex: 1, score: expect.closeTo(0.9, 6) });
    expect(out[0].x1).toBeCloseTo(0, 4);
    expect(out[0].y1).toBeCloseTo(0, 4);
    expect(out[0].x2).toBeCloseTo(32, 4);
    expect(out[0].y2).toBeCloseTo(32, 4);
  });

  it('legacy head (11 bins): distances from the cell centre', () => {
    const scores = new Float32Array([0.9]);
    const dist = new Float32Array(44).fill(-50);
    for (let k = 0; k < 4; k++) dist[k * 11 + 2] = 50; // 2 strides each way
    const [c] = decodeNanodet({ s: { data: scores, dims: [1, 1, 1] }, d: { data: dist, dims: [1, 1, 44] } }, { inputSize: 8, classCount: 1, scoreThreshold: 0.3 });
    // One 8-px cell, centre (4, 4), 16 px each way.
    expect([c.x1, c.y1, c.x2, c.y2].map((v) => Math.round(v * 1000) / 1000)).toEqual([-12, -12, 20, 20]);
  });

  it('skips filtered classes and rejects outputs that are not NanoDet levels', () => {
    const scores = new Float32Array(1 * 2).fill(0.9);
    const dist = new Float32Array(8);
    const out = decodeNanodet({ s: { data: scores, dims: [1, 1, 2] }, d: { data: dist, dims: [1, 1, 8] } }, { inputSize: 16, classCount: 2, scoreThreshold: 0.3, classFilter: (c) => c === 1 });
    expect(out.map((c) => c.classIndex)).toEqual([1]);
    expect(() => decodeNanodet({ s: { data: scores, dims: [1, 1, 2] } }, { inputSize: 16, classCount: 2, scoreThreshold: 0.3 })).toThrow(/NanoDet outputs/);
  });
});

describe('decodeYolo', () => {
  it('reads [1, N, 5 + C] (objectness × class) and [1, 4 + C, N] (transposed, no objectness)', () => {
    const v5 = new Float32Array([10, 20, 4, 8, 0.5, 0.2, 0.9]);
    expect(decodeYolo({ data: v5, dims: [1, 1, 7] }, { inputSize: 64, classCount: 2, scoreThreshold: 0.3 })).toEqual([
      { x1: 8, y1: 16, x2: 12, y2: 24, score: expect.closeTo(0.45, 6), classIndex: 1 },
    ]);
    // Two boxes, transposed: rows are cx, cy, w, h, class0, class1.
    const v8 = new Float32Array([10, 30, 20, 30, 4, 2, 8, 2, 0.8, 0.1, 0.1, 0.2]);
    const out = decodeYolo({ data: v8, dims: [1, 6, 2] }, { inputSize: 64, classCount: 2, scoreThreshold: 0.3 });
    expect(out).toEqual([{ x1: 8, y1: 16, x2: 12, y2: 24, score: expect.closeTo(0.8, 6), classIndex: 0 }]);
    expect(() => decodeYolo({ data: v8, dims: [1, 7, 2] }, { inputSize: 64, classCount: 2, scoreThreshold: 0.3 })).toThrow(/neither/);
  });
});

describe('nms', () => {
  it('keeps the best of overlapping boxes of one class, and boxes of other classes', () => {
    const a = { x1: 0, y1: 0, x2: 10, y2: 10, score: 0.9, classIndex: 0 };
    const b = { x1: 1, y1: 1, x2: 11, y2: 11, score: 0.8, classIndex: 0 };
    const c = { x1: 1, y1: 1, x2: 11, y2: 11, score: 0.7, classIndex: 1 };
    const d = { x1: 50, y1: 50, x2: 60, y2: 60, score: 0.6, classIndex: 0 };
    expect(nms([d, b, c, a])).toEqual([a, c, d]);
    expect(iouCorners(a, a)).toBe(1);
    expect(iouCorners(a, d)).toBe(0);
  });
});
