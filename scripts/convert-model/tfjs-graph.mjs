// Reads a TensorFlow.js graph model (model.json: the GraphDef topology plus a
// weights manifest; the .bin shards hold every constant) into plain arrays.
// Only what a detector's graph needs: float32 (optionally stored as float16
// or as uint8/uint16 with scale+min) and int32 constants.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

function halfToFloat(h) {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Decodes one manifest entry starting at `bytes[offset]`; returns {tensor, size}. */
function decodeWeight(spec, bytes, offset) {
  const count = spec.shape.reduce((a, b) => a * b, 1);
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset);
  const q = spec.quantization;
  if (q) {
    const out = new Float32Array(count);
    if (q.dtype === 'float16') {
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
      return { tensor: { dtype: 'float32', shape: spec.shape, data: out }, size: count * 2 };
    }
    if (q.dtype === 'uint8' || q.dtype === 'uint16') {
      const wide = q.dtype === 'uint16';
      for (let i = 0; i < count; i++) out[i] = (wide ? view.getUint16(i * 2, true) : view.getUint8(i)) * q.scale + q.min;
      return { tensor: { dtype: 'float32', shape: spec.shape, data: out }, size: count * (wide ? 2 : 1) };
    }
    throw new Error(`weight ${spec.name}: unsupported quantization ${q.dtype}`);
  }
  if (spec.dtype === 'float32') {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
    return { tensor: { dtype: 'float32', shape: spec.shape, data: out }, size: count * 4 };
  }
  if (spec.dtype === 'int32') {
    const out = new Int32Array(count);
    for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true);
    return { tensor: { dtype: 'int32', shape: spec.shape, data: out }, size: count * 4 };
  }
  throw new Error(`weight ${spec.name}: unsupported dtype ${spec.dtype}`);
}

/**
 * Loads `model.json` and its shards: returns { nodes (GraphDef nodes), weights:
 * Map name → {dtype, shape, data}, inputs: [{name, shape}], outputs: [names] }.
 */
export function readTfjsGraph(jsonPath) {
  const model = JSON.parse(readFileSync(jsonPath, 'utf8'));
  if (model.format !== 'graph-model') throw new Error(`${jsonPath}: not a TensorFlow.js graph model`);
  const weights = new Map();
  for (const group of model.weightsManifest) {
    const shards = group.paths.map((p) => readFileSync(join(dirname(jsonPath), p)));
    const bytes = Buffer.concat(shards);
    let offset = 0;
    for (const spec of group.weights) {
      const { tensor, size } = decodeWeight(spec, bytes, offset);
      weights.set(spec.name, tensor);
      offset += size;
    }
    if (offset !== bytes.length) throw new Error(`${jsonPath}: weights manifest covers ${offset} of ${bytes.length} bytes`);
  }
  const nodes = model.modelTopology.node;
  const inputs = nodes
    .filter((n) => n.op === 'Placeholder')
    .map((n) => ({ name: n.name, shape: n.attr.shape.shape.dim.map((d) => Number(d.size)) }));
  const sig = model.signature?.outputs;
  const outputs = sig ? Object.keys(sig).map((k) => k.replace(/:0$/, '')) : [];
  return { nodes, weights, inputs, outputs };
}
