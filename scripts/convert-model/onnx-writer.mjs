// A minimal protobuf writer for the subset of onnx.proto (ONNX IR 8) that a
// converted detector needs: ModelProto → GraphProto → NodeProto /
// TensorProto (raw_data) / ValueInfoProto / AttributeProto. Hand-rolled
// rather than a .proto + protobufjs: eight message types, all write-only,
// and the field numbers below are checked against onnx.proto by the
// round-trip test (onnxruntime must load what this writes).

/** Protobuf wire writer: varints, length-delimited fields, fixed32. */
class Writer {
  constructor() {
    this.parts = [];
    this.length = 0;
  }
  bytes(b) {
    this.parts.push(b);
    this.length += b.length;
  }
  varint(v) {
    // int64 values here are small and non-negative except pads/axes (-1 never written: axes are normalised).
    let n = BigInt(v);
    if (n < 0n) n = (1n << 64n) + n;
    const out = [];
    do {
      let byte = Number(n & 0x7fn);
      n >>= 7n;
      if (n !== 0n) byte |= 0x80;
      out.push(byte);
    } while (n !== 0n);
    this.bytes(Uint8Array.from(out));
  }
  tag(field, wire) {
    this.varint((field << 3) | wire);
  }
  int(field, v) {
    this.tag(field, 0);
    this.varint(v);
  }
  float(field, v) {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.bytes(b);
  }
  blob(field, b) {
    this.tag(field, 2);
    this.varint(b.length);
    this.bytes(b);
  }
  string(field, s) {
    this.blob(field, new TextEncoder().encode(s));
  }
  message(field, write) {
    const inner = new Writer();
    write(inner);
    this.blob(field, inner.finish());
  }
  finish() {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7 };

/** AttributeProto.AttributeType values. */
const AttrType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 };

function writeTensor(w, t) {
  // TensorProto: dims=1, data_type=2, name=8, raw_data=9 (little-endian).
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.dataType);
  w.string(8, t.name);
  let raw;
  if (t.dataType === DataType.INT64) {
    const a = new BigInt64Array(t.data.length);
    for (let i = 0; i < a.length; i++) a[i] = BigInt(t.data[i]);
    raw = new Uint8Array(a.buffer);
  } else if (t.dataType === DataType.FLOAT) {
    raw = new Uint8Array(Float32Array.from(t.data).buffer);
  } else if (t.dataType === DataType.INT32) {
    raw = new Uint8Array(Int32Array.from(t.data).buffer);
  } else throw new Error(`tensor ${t.name}: unsupported data type ${t.dataType}`);
  w.blob(9, raw);
}

function writeAttribute(w, name, value) {
  // AttributeProto: name=1, f=2, i=3, s=4, floats=7, ints=8, type=20.
  w.string(1, name);
  if (typeof value === 'string') {
    w.string(4, value);
    w.int(20, AttrType.STRING);
  } else if (Array.isArray(value)) {
    for (const v of value) w.int(8, v);
    w.int(20, AttrType.INTS);
  } else if (typeof value === 'object' && value && 'float' in value) {
    w.float(2, value.float);
    w.int(20, AttrType.FLOAT);
  } else if (Number.isInteger(value)) {
    w.int(3, value);
    w.int(20, AttrType.INT);
  } else throw new Error(`attribute ${name}: unsupported value ${value}`);
}

function writeValueInfo(w, v) {
  // ValueInfoProto: name=1, type=2 → TypeProto.tensor_type=1 → elem_type=1, shape=2 → dim=1 → dim_value=1.
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.dataType);
      tensor.message(2, (shape) => {
        for (const d of v.dims) shape.message(1, (dim) => dim.int(1, d));
      });
    }),
  );
}

/**
 * Serialises a model: { nodes: [{op, inputs, outputs, name, attrs}], initializers:
 * [{name, dims, dataType, data}], inputs/outputs: [{name, dims, dataType}] }.
 * Attributes: integer → INT, {float: x} → FLOAT, string → STRING, number[] → INTS.
 */
export function encodeModel(model, { opset = 13, producer = 'keepwatch-convert-model' } = {}) {
  const w = new Writer();
  w.int(1, 8); // ir_version
  w.string(2, producer); // producer_name
  w.message(8, (o) => {
    o.string(1, ''); // the default (ai.onnx) domain
    o.int(2, opset);
  });
  w.message(7, (g) => {
    // GraphProto: node=1, name=2, initializer=5, doc_string=10, input=11, output=12.
    for (const n of model.nodes)
      g.message(1, (nw) => {
        for (const i of n.inputs) nw.string(1, i);
        for (const o of n.outputs) nw.string(2, o);
        nw.string(3, n.name);
        nw.string(4, n.op);
        for (const [k, v] of Object.entries(n.attrs ?? {})) nw.message(5, (a) => writeAttribute(a, k, v));
      });
    g.string(2, model.name ?? 'graph');
    for (const t of model.initializers) g.message(5, (tw) => writeTensor(tw, t));
    if (model.doc) g.string(10, model.doc);
    for (const v of model.inputs) g.message(11, (vw) => writeValueInfo(vw, v));
    for (const v of model.outputs) g.message(12, (vw) => writeValueInfo(vw, v));
  });
  return w.finish();
}
