// A user's own YOLO-style ONNX model, end to end: a tiny hand-built model
// (written with the converter's ONNX writer) whose output is a fixed
// [1, 2, 4 + 1 + 3] tensor, a class-list file, the real worker backend.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataType, encodeModel } from '../../scripts/convert-model/onnx-writer.mjs';
import { createObjectDetector } from '../../main/engine/detection/objects/detector.ts';

const S = 64;

/** output = ReduceMean(input) × 0 + fixed boxes: the input is consumed, the answer is known. */
function fixedYolo(boxes: number[][]): Uint8Array {
  const N = boxes.length;
  const K = boxes[0].length;
  return encodeModel({
    nodes: [
      { op: 'ReduceMean', inputs: ['images'], outputs: ['mean'], name: 'mean', attrs: { axes: [1, 2, 3], keepdims: 1 } },
      { op: 'Mul', inputs: ['mean', 'zero'], outputs: ['nothing'], name: 'mul' },
      { op: 'Reshape', inputs: ['nothing', 'shape'], outputs: ['nothing3'], name: 'reshape' },
      { op: 'Add', inputs: ['nothing3', 'boxes'], outputs: ['output0'], name: 'add' },
    ],
    initializers: [
      { name: 'zero', dims: [], dataType: DataType.FLOAT, data: [0] },
      { name: 'shape', dims: [3], dataType: DataType.INT64, data: [1, 1, 1] },
      { name: 'boxes', dims: [1, N, K], dataType: DataType.FLOAT, data: boxes.flat() },
    ],
    inputs: [{ name: 'images', dims: [1, 3, S, S], dataType: DataType.FLOAT }],
    outputs: [{ name: 'output0', dims: [1, N, K], dataType: DataType.FLOAT }],
  });
}

describe('a user-supplied YOLO-style ONNX detector', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kw-yolo-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads with its class list, decodes [1, N, 5 + C], maps labels and ignores other classes', async () => {
    const model = join(dir, 'tiny.onnx');
    const labels = join(dir, 'classes.txt');
    writeFileSync(labels, 'person\nhorse\nmotorcycle\n');
    writeFileSync(
      model,
      fixedYolo([
        [32, 32, 16, 32, 0.9, 0.9, 0.05, 0.0], // a person in the middle
        [10, 10, 8, 8, 0.95, 0.0, 0.99, 0.0], // a horse: not a Keepwatch label
        [50, 50, 8, 8, 0.9, 0.0, 0.0, 0.8], // a motorcycle → motorbike
      ]),
    );
    const detector = await createObjectDetector({ model: { kind: 'yolo', path: model, labels, inputSize: S }, threads: 1 });
    expect(detector.inputSize).toBe(S);
    const frame = { width: 128, height: 128, data: new Uint8Array(128 * 128 * 3), at: 0 };
    const found = (await detector.detect(frame, [{ x: 0, y: 0, w: 1, h: 1 }]))!;
    await detector.close();
    expect(found.map((d) => d.label).sort()).toEqual(['motorbike', 'person']);
    const person = found.find((d) => d.label === 'person')!;
    expect(person.score).toBeCloseTo(0.81, 5);
    expect(person.box.x).toBeCloseTo(24 / 64, 5);
    expect(person.box.y).toBeCloseTo(16 / 64, 5);
    expect(person.box.w).toBeCloseTo(16 / 64, 5);
    expect(person.box.h).toBeCloseTo(32 / 64, 5);
  });

  it('a model whose input does not match inputSize fails to load with a clear error', async () => {
    const model = join(dir, 'tiny2.onnx');
    writeFileSync(model, fixedYolo([[32, 32, 16, 32, 0.9, 0.9]]));
    await expect(createObjectDetector({ model: { kind: 'yolo', path: model, inputSize: 320 }, threads: 1 })).rejects.toThrow(/cannot load the detection model/);
  });

  it('a missing model or class list is a clear error', async () => {
    await expect(createObjectDetector({ model: { kind: 'yolo', path: join(dir, 'nope.onnx') } })).rejects.toThrow(/does not exist/);
  });
});
