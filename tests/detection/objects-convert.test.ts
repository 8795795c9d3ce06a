// The TF.js → ONNX converter, checked against an independent interpreter of
// the same TF.js graph (objects-tfjs-reference.ts) on a real picture: every
// output of the ONNX model run by onnxruntime must match.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { convertModel, nanodetSource } from '../../scripts/convert-model/index.mjs';
import { prepareInput } from '../../main/engine/detection/objects/preprocess.ts';
import { resolveModel } from '../../main/engine/detection/objects/model.ts';
import { darknetPicture, loadRgbFrame } from '../sim/darknet.ts';
import { runTfjsReference } from './objects-tfjs-reference.ts';

describe('convert-model: NanoDet TF.js graph → ONNX', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kw-convert-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('onnxruntime runs the converted model and agrees with the TF.js graph interpreted directly', async () => {
    const source = nanodetSource();
    expect(source).not.toBeNull();
    const out = join(dir, 'nanodet.onnx');
    convertModel(source!, out);

    const spec = await resolveModel({ kind: 'nanodet', path: out });
    const frame = loadRgbFrame(darknetPicture('person'));
    const input = prepareInput(frame, { x: 0, y: 0, w: frame.width, h: frame.height }, spec.input);

    const session = await ort.InferenceSession.create(out, { intraOpNumThreads: 1 });
    const onnx = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', input.data.slice(), input.dims) });
    await session.release();
    const reference = runTfjsReference(source!, input.data);

    expect(Object.keys(onnx).sort()).toEqual(Object.keys(reference).sort());
    for (const [name, ref] of Object.entries(reference)) {
      const got = onnx[name];
      expect(got.dims).toEqual(ref.shape);
      const a = got.data as Float32Array;
      let maxDiff = 0;
      let maxAbs = 0;
      for (let i = 0; i < a.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(a[i] - ref.data[i]));
        maxAbs = Math.max(maxAbs, Math.abs(ref.data[i]));
      }
      // Float32 sums in a different order: measured ~2e-6 of the output's range.
      expect(maxAbs).toBeGreaterThan(0);
      expect(maxDiff / maxAbs, name).toBeLessThan(1e-4);
    }
  }, 120_000);

  it('refuses an op it does not support, by name', async () => {
    const { convertGraph } = await import('../../scripts/convert-model/convert.mjs');
    const graph = {
      nodes: [
        { name: 'x', op: 'Placeholder', attr: {} },
        { name: 'y', op: 'Softplus', input: ['x'] },
      ],
      weights: new Map(),
      inputs: [{ name: 'x', shape: [1, 4] }],
      outputs: ['y'],
    };
    expect(() => convertGraph(graph)).toThrow(/unsupported TensorFlow op Softplus/);
  });
});
