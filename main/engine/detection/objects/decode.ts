/**
 * Post-processing: a detector's raw output tensors → candidate boxes in the
 * model's input pixels (before NMS and before mapping back to the frame).
 *
 * NanoDet (the legacy GFL head NanoDet-m 416 was trained with): three levels,
 * strides 8, 16 and 32 (52², 26², 13² cells at 416). Per level two outputs:
 * class scores [1, cells, classes] (already through a sigmoid) and box
 * distributions [1, cells, 4 × (regMax + 1)]: for each side (left, top,
 * right, bottom) a softmax over regMax + 1 bins whose expectation is the
 * distance from the cell's centre (the legacy head; NanoDet-Plus: its
 * corner), in strides. The level of an output is
 * read from its cell count, so the order of the outputs does not matter.
 *
 * YOLO (a user's own model): one output, either [1, N, 4 + 1 + classes]
 * (YOLOv5/v7: cx, cy, w, h, objectness, class scores) or
 * [1, 4 + classes, N] (YOLOv8 and later: cx, cy, w, h, class scores, no
 * objectness, transposed). Coordinates in input pixels.
 */
import type { Candidate } from './nms.ts';

export interface OutputTensor {
  data: Float32Array;
  dims: readonly number[];
}

export interface DecodeOptions {
  inputSize: number;
  classCount: number;
  /** Candidates below this score are skipped before NMS. */
  scoreThreshold: number;
  /** Only these class indices are decoded (the rest cost nothing); all when omitted. */
  classFilter?: (classIndex: number) => boolean;
}

/** Decodes NanoDet's per-level outputs. */
export function decodeNanodet(outputs: Record<string, OutputTensor>, opt: DecodeOptions): Candidate[] {
  const tensors = Object.values(outputs);
  const scores = tensors.filter((t) => t.dims[t.dims.length - 1] === opt.classCount);
  const dists = tensors.filter((t) => t.dims[t.dims.length - 1] !== opt.classCount);
  if (scores.length === 0 || scores.length !== dists.length) throw new Error(`NanoDet outputs: expected score and box tensors per level, got ${tensors.map((t) => `[${t.dims}]`).join(' ')}`);
  const out: Candidate[] = [];
  for (const s of scores) {
    const cells = s.dims[s.dims.length - 2];
    const d = dists.find((t) => t.dims[t.dims.length - 2] === cells);
    if (!d) throw new Error(`NanoDet outputs: no box tensor for the level with ${cells} cells`);
    const side = Math.round(Math.sqrt(cells));
    if (side * side !== cells) throw new Error(`NanoDet outputs: ${cells} cells is not a square grid`);
    const stride = opt.inputSize / side;
    const bins = d.dims[d.dims.length - 1] / 4;
    if (!Number.isInteger(bins)) throw new Error(`NanoDet outputs: box tensor width ${d.dims[d.dims.length - 1]} is not 4 × bins`);
    const C = opt.classCount;
    // The legacy GFL head (reg_max 10 → 11 bins, NanoDet-m) measures from the cell's centre;
    // NanoDet-Plus (8 bins) from its top-left corner.
    const centreOffset = bins === 11 ? 0.5 : 0;
    for (let i = 0; i < cells; i++) {
      let best = -1;
      let bestScore = opt.scoreThreshold;
      for (let c = 0; c < C; c++) {
        const v = s.data[i * C + c];
        if (v >= bestScore && (!opt.classFilter || opt.classFilter(c))) {
          bestScore = v;
          best = c;
        }
      }
      if (best < 0) continue;
      const cx = ((i % side) + centreOffset) * stride;
      const cy = (Math.floor(i / side) + centreOffset) * stride;
      const dist = [0, 0, 0, 0];
      for (let k = 0; k < 4; k++) {
        const base = i * 4 * bins + k * bins;
        let max = -Infinity;
        for (let b = 0; b < bins; b++) max = Math.max(max, d.data[base + b]);
        let sum = 0;
        let acc = 0;
        for (let b = 0; b < bins; b++) {
          const e = Math.exp(d.data[base + b] - max);
          sum += e;
          acc += e * b;
        }
        dist[k] = (acc / sum) * stride;
      }
      out.push({ x1: cx - dist[0], y1: cy - dist[1], x2: cx + dist[2], y2: cy + dist[3], score: bestScore, classIndex: best });
    }
  }
  return out;
}

/** Decodes a YOLO-style single output (see the file comment for the two layouts). */
export function decodeYolo(output: OutputTensor, opt: DecodeOptions): Candidate[] {
  const [, a, b] = output.dims;
  const C = opt.classCount;
  let count: number;
  let at: (i: number, k: number) => number;
  let objectness: boolean;
  if (output.dims.length === 3 && b === 5 + C) {
    count = a;
    objectness = true;
    at = (i, k) => output.data[i * b + k];
  } else if (output.dims.length === 3 && a === 4 + C) {
    count = b;
    objectness = false;
    at = (i, k) => output.data[k * b + i];
  } else throw new Error(`YOLO output [${output.dims}] is neither [1, N, ${5 + C}] nor [1, ${4 + C}, N] for ${C} classes`);
  const first = objectness ? 5 : 4;
  const out: Candidate[] = [];
  for (let i = 0; i < count; i++) {
    const obj = objectness ? at(i, 4) : 1;
    if (obj < opt.scoreThreshold) continue;
    let best = -1;
    let bestScore = opt.scoreThreshold;
    for (let c = 0; c < C; c++) {
      const v = at(i, first + c) * obj;
      if (v >= bestScore && (!opt.classFilter || opt.classFilter(c))) {
        bestScore = v;
        best = c;
      }
    }
    if (best < 0) continue;
    const cx = at(i, 0);
    const cy = at(i, 1);
    const w = at(i, 2);
    const h = at(i, 3);
    out.push({ x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2, score: bestScore, classIndex: best });
  }
  return out;
}
