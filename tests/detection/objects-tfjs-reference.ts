/**
 * A slow, direct interpreter of a TensorFlow.js graph model, for the ops the
 * NanoDet graph uses, written from TensorFlow's op semantics (NHWC, HWIO
 * filters) independently of scripts/convert-model: the converter's ONNX
 * output must agree with it (objects-convert.test.ts). Test helper only.
 */
import { readTfjsGraph } from '../../scripts/convert-model/tfjs-graph.mjs';

type T = { shape: number[]; data: Float32Array | Int32Array };

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const strides = (s: number[]) => s.map((_, i) => size(s.slice(i + 1)));
const attr = (n: any, k: string) => n.attr?.[k];
const ints = (n: any, k: string): number[] => (attr(n, k)?.list?.i ?? []).map(Number);
const str = (n: any, k: string) => (attr(n, k)?.s ? Buffer.from(attr(n, k).s, 'base64').toString() : undefined);

function transpose(x: T, perm: number[]): T {
  const shape = perm.map((p) => x.shape[p]);
  const inS = strides(x.shape);
  const out = new Float32Array(size(shape));
  const idx = new Array(shape.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let d = 0; d < shape.length; d++) src += idx[d] * inS[perm[d]];
    out[o] = x.data[src];
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return { shape, data: out };
}

function pad(x: T, p: number[], value: number): T {
  const shape = x.shape.map((s, d) => s + p[2 * d] + p[2 * d + 1]);
  const out = new Float32Array(size(shape)).fill(value);
  const outS = strides(shape);
  const idx = new Array(x.shape.length).fill(0);
  for (let i = 0; i < x.data.length; i++) {
    let o = 0;
    for (let d = 0; d < idx.length; d++) o += (idx[d] + p[2 * d]) * outS[d];
    out[o] = x.data[i];
    for (let d = idx.length - 1; d >= 0; d--) {
      if (++idx[d] < x.shape[d]) break;
      idx[d] = 0;
    }
  }
  return { shape, data: out };
}

function conv2d(x: T, f: T, node: any): T {
  const [, H, W, CIN] = x.shape;
  const [KH, KW, ci, CO] = f.shape;
  const groups = CIN / ci;
  const cog = CO / groups;
  const [sh, sw] = ints(node, 'strides').slice(1, 3);
  const [dh, dw] = ints(node, 'dilations').length ? ints(node, 'dilations').slice(1, 3) : [1, 1];
  let oh: number;
  let ow: number;
  let pt = 0;
  let pl = 0;
  if (str(node, 'padding') === 'VALID') {
    oh = Math.floor((H - (KH - 1) * dh - 1) / sh) + 1;
    ow = Math.floor((W - (KW - 1) * dw - 1) / sw) + 1;
  } else {
    oh = Math.ceil(H / sh);
    ow = Math.ceil(W / sw);
    pt = Math.floor(Math.max(0, (oh - 1) * sh + (KH - 1) * dh + 1 - H) / 2);
    pl = Math.floor(Math.max(0, (ow - 1) * sw + (KW - 1) * dw + 1 - W) / 2);
  }
  const out = new Float32Array(oh * ow * CO);
  const fd = f.data;
  const xd = x.data;
  for (let oy = 0; oy < oh; oy++)
    for (let ox = 0; ox < ow; ox++) {
      const o = (oy * ow + ox) * CO;
      for (let ky = 0; ky < KH; ky++) {
        const iy = oy * sh + ky * dh - pt;
        if (iy < 0 || iy >= H) continue;
        for (let kx = 0; kx < KW; kx++) {
          const ix = ox * sw + kx * dw - pl;
          if (ix < 0 || ix >= W) continue;
          const inBase = (iy * W + ix) * CIN;
          const fBase = (ky * KW + kx) * ci * CO;
          for (let g = 0; g < groups; g++)
            for (let c = 0; c < ci; c++) {
              const v = xd[inBase + g * ci + c];
              if (v === 0) continue;
              const fo = fBase + c * CO + g * cog;
              const oo = o + g * cog;
              for (let k = 0; k < cog; k++) out[oo + k] += v * fd[fo + k];
            }
        }
      }
    }
  return { shape: [1, oh, ow, CO], data: out };
}

function maxPool(x: T, node: any): T {
  const [, H, W, C] = x.shape;
  const [kh, kw] = ints(node, 'ksize').slice(1, 3);
  const [sh, sw] = ints(node, 'strides').slice(1, 3);
  if (str(node, 'padding') !== 'VALID') throw new Error('reference MaxPool: VALID only');
  const oh = Math.floor((H - kh) / sh) + 1;
  const ow = Math.floor((W - kw) / sw) + 1;
  const out = new Float32Array(oh * ow * C).fill(-Infinity);
  for (let oy = 0; oy < oh; oy++)
    for (let ox = 0; ox < ow; ox++)
      for (let ky = 0; ky < kh; ky++)
        for (let kx = 0; kx < kw; kx++)
          for (let c = 0; c < C; c++) {
            const v = x.data[((oy * sh + ky) * W + ox * sw + kx) * C + c];
            const o = (oy * ow + ox) * C + c;
            if (v > out[o]) out[o] = v;
          }
  return { shape: [1, oh, ow, C], data: out };
}

function resizeBilinear(x: T, oh: number, ow: number, node: any): T {
  const [, H, W, C] = x.shape;
  const half = attr(node, 'half_pixel_centers')?.b === true;
  const align = attr(node, 'align_corners')?.b === true;
  const scaleY = align && oh > 1 ? (H - 1) / (oh - 1) : H / oh;
  const scaleX = align && ow > 1 ? (W - 1) / (ow - 1) : W / ow;
  const src = (o: number, s: number) => (half ? (o + 0.5) * s - 0.5 : o * s);
  const out = new Float32Array(oh * ow * C);
  for (let oy = 0; oy < oh; oy++) {
    const iy = src(oy, scaleY);
    const y0 = Math.max(Math.floor(iy), 0);
    const y1 = Math.min(Math.ceil(iy), H - 1);
    const fy = iy - Math.floor(iy);
    for (let ox = 0; ox < ow; ox++) {
      const ix = src(ox, scaleX);
      const x0 = Math.max(Math.floor(ix), 0);
      const x1 = Math.min(Math.ceil(ix), W - 1);
      const fx = ix - Math.floor(ix);
      for (let c = 0; c < C; c++) {
        const at = (yy: number, xx: number) => x.data[(yy * W + xx) * C + c];
        const top = at(y0, x0) + (at(y0, x1) - at(y0, x0)) * fx;
        const bottom = at(y1, x0) + (at(y1, x1) - at(y1, x0)) * fx;
        out[(oy * ow + ox) * C + c] = top + (bottom - top) * fy;
      }
    }
  }
  return { shape: [1, oh, ow, C], data: out };
}

function add(a: T, b: T): T {
  const [big, small] = a.data.length >= b.data.length ? [a, b] : [b, a];
  const out = new (big.data.constructor as any)(big.data.length);
  const n = small.data.length;
  // Broadcasting here is only ever "same shape" or "a vector over the last axis".
  for (let i = 0; i < out.length; i++) out[i] = big.data[i] + small.data[i % n];
  return { shape: big.shape, data: out };
}

function concat(parts: T[], axis: number): T {
  if (axis < 0) axis += parts[0].shape.length;
  const shape = [...parts[0].shape];
  shape[axis] = parts.reduce((s, p) => s + p.shape[axis], 0);
  const outer = size(shape.slice(0, axis));
  const out = new Float32Array(size(shape));
  let o = 0;
  for (let i = 0; i < outer; i++)
    for (const p of parts) {
      const chunk = size(p.shape.slice(axis));
      out.set(p.data.subarray(i * chunk, (i + 1) * chunk), o);
      o += chunk;
    }
  return { shape, data: out };
}

function splitV(x: T, sizes: number[], axis: number): T[] {
  if (axis < 0) axis += x.shape.length;
  const outer = size(x.shape.slice(0, axis));
  const inner = size(x.shape.slice(axis + 1));
  let start = 0;
  return sizes.map((s) => {
    const shape = [...x.shape];
    shape[axis] = s;
    const out = new Float32Array(size(shape));
    for (let i = 0; i < outer; i++) out.set(x.data.subarray((i * x.shape[axis] + start) * inner, (i * x.shape[axis] + start + s) * inner), i * s * inner);
    start += s;
    return { shape, data: out };
  });
}

/** Runs the graph at `jsonPath` on one NCHW float input; returns outputs by name. */
export function runTfjsReference(jsonPath: string, input: Float32Array): Record<string, T> {
  const g = readTfjsGraph(jsonPath);
  const byName = new Map<string, any>(g.nodes.map((n: any) => [n.name, n]));
  const memo = new Map<string, T[]>();
  const value = (ref: string): T => {
    const m = /^(.*):(\d+)$/.exec(ref);
    const [name, index] = m ? [m[1], Number(m[2])] : [ref, 0];
    if (!memo.has(name)) memo.set(name, evaluate(byName.get(name)));
    return memo.get(name)![index];
  };
  const evaluate = (n: any): T[] => {
    if (n.op === 'Const') return [g.weights.get(n.name) as T];
    if (n.op === 'Placeholder') return [{ shape: g.inputs[0].shape, data: input }];
    const ins: T[] = (n.input ?? []).filter((r: string) => !r.startsWith('^')).map(value);
    const list = (t: T) => Array.from(t.data);
    switch (n.op) {
      case 'Identity':
        return [ins[0]];
      case 'Transpose':
        return [transpose(ins[0], list(ins[1]))];
      case 'Pad':
        return [pad(ins[0], list(ins[1]), 0)];
      case 'PadV2':
        return [pad(ins[0], list(ins[1]), ins[2].data[0])];
      case 'Conv2D':
        return [conv2d(ins[0], ins[1], n)];
      case 'MaxPool':
        return [maxPool(ins[0], n)];
      case 'Add':
      case 'AddV2':
        return [add(ins[0], ins[1])];
      case 'LeakyRelu': {
        const a = attr(n, 'alpha')?.f ?? 0.2;
        return [{ shape: ins[0].shape, data: ins[0].data.map((v) => (v < 0 ? v * a : v)) as Float32Array }];
      }
      case 'Sigmoid':
        return [{ shape: ins[0].shape, data: ins[0].data.map((v) => 1 / (1 + Math.exp(-v))) as Float32Array }];
      case 'ConcatV2':
        return [concat(ins.slice(0, -1), ins[ins.length - 1].data[0])];
      case 'ResizeBilinear': {
        const [oh, ow] = list(ins[1]);
        return [resizeBilinear(ins[0], oh, ow, n)];
      }
      case 'SplitV':
        return splitV(ins[0], list(ins[1]), ins[2].data[0]);
      case 'Reshape': {
        const want = list(ins[1]);
        const known = want.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
        return [{ shape: want.map((d) => (d === -1 ? ins[0].data.length / known : d)), data: ins[0].data }];
      }
      case 'SparseToDense': {
        const [indices, shapeT, values, dflt] = ins;
        const shape = list(shapeT);
        const data = new Int32Array(size(shape)).fill(dflt.data[0]);
        for (let k = 0; k < (indices.shape[0] ?? 0); k++) data[indices.data[k]] = values.data[values.data.length === 1 ? 0 : k];
        return [{ shape, data }];
      }
      default:
        throw new Error(`reference: no ${n.op}`);
    }
  };
  return Object.fromEntries(g.outputs.map((o: string) => [o, value(o)]));
}
