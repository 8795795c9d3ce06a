// The detector's bounded queue, with a fake inference backend that answers
// only when the test lets it: frames beyond the queue are dropped (oldest
// first) and counted, and detect() never waits for the backend to accept.
import { describe, expect, it } from 'vitest';
import { createObjectDetector } from '../../main/engine/detection/objects/detector.ts';
import { COCO_LABELS } from '../../main/engine/detection/objects/labels.ts';
import type { ModelSpec } from '../../main/engine/detection/objects/model.ts';
import type { InferenceBackend, RegionInput } from '../../main/engine/detection/objects/session.ts';
import type { OutputTensor } from '../../main/engine/detection/objects/decode.ts';
import type { RgbFrame } from '../../main/engine/detection/types.ts';

const SIZE = 32;
const SPEC: ModelSpec = { kind: 'yolo', path: '(fake)', classes: COCO_LABELS, input: { size: SIZE, order: 'rgb', mean: [0, 0, 0], scale: [1 / 255, 1 / 255, 1 / 255] } };

/** A YOLOv5-layout output with one person box in the middle of the input. */
function onePerson(): Record<string, OutputTensor> {
  const C = COCO_LABELS.length;
  const data = new Float32Array(5 + C);
  data.set([SIZE / 2, SIZE / 2, SIZE / 4, SIZE / 2, 0.9]);
  data[5] = 0.95; // person
  return { output: { data, dims: [1, 1, 5 + C] } };
}

/** Answers each run only when release() is called: a detector as slow as the test wants. */
function slowBackend() {
  const waiting: { inputs: RegionInput[]; resolve: (r: Record<string, OutputTensor>[]) => void }[] = [];
  let closed = false;
  const backend: InferenceBackend = {
    run: (inputs) => new Promise((resolve) => waiting.push({ inputs, resolve })),
    close: async () => {
      closed = true;
    },
  };
  return {
    backend,
    waiting,
    get closed() {
      return closed;
    },
    release() {
      const w = waiting.shift()!;
      w.resolve(w.inputs.map(() => onePerson()));
    },
  };
}

const frame = (at: number): RgbFrame => ({ width: 64, height: 64, data: new Uint8Array(64 * 64 * 3).fill(at % 255), at });
const WHOLE = [{ x: 0, y: 0, w: 1, h: 1 }];

describe('ObjectDetector queue', () => {
  it('drops the oldest waiting frames when full, counts them, and never blocks', async () => {
    const fake = slowBackend();
    const detector = await createObjectDetector({ backend: fake.backend, spec: SPEC, queue: 2 });
    const results: (unknown[] | null)[] = [];
    const promises = [0, 1, 2, 3, 4, 5].map((i) => detector.detect(frame(i), WHOLE).then((r) => (results[i] = r)));
    // Frame 0 runs; 1..5 competed for 2 places: 1, 2, 3 were dropped (oldest first), 4 and 5 wait.
    await Promise.all([promises[1], promises[2], promises[3]]);
    expect(results[1]).toBeNull();
    expect(results[2]).toBeNull();
    expect(results[3]).toBeNull();
    expect(detector.stats()).toMatchObject({ dropped: 3, queued: 2, inferences: 0 });
    expect(fake.waiting).toHaveLength(1);

    fake.release();
    await promises[0];
    expect(results[0]).toHaveLength(1);
    // The next one was sent as soon as the first came back.
    await expect.poll(() => fake.waiting.length).toBe(1);
    fake.release();
    await expect.poll(() => fake.waiting.length).toBe(1);
    fake.release();
    await Promise.all(promises);
    expect(results[4]).toHaveLength(1);
    expect(results[5]).toHaveLength(1);
    expect(detector.stats()).toMatchObject({ dropped: 3, queued: 0, inferences: 3 });
    await detector.close();
    expect(fake.closed).toBe(true);
  });

  it('maps a box back to the frame, with the label', async () => {
    const fake = slowBackend();
    const detector = await createObjectDetector({ backend: fake.backend, spec: SPEC, queue: 1 });
    // The region is the frame's right half: the model's centred box lands in that half.
    const p = detector.detect(frame(1), [{ x: 0.5, y: 0, w: 0.5, h: 1 }]);
    await expect.poll(() => fake.waiting.length).toBe(1);
    fake.release();
    const [d] = (await p)!;
    expect(d.label).toBe('person');
    expect(d.score).toBeCloseTo(0.9 * 0.95, 5);
    // Region 32 × 64 px scaled by 64/32 = 2 into the 32-px input (letterboxed). The model's box
    // (centre 16,16; 8 × 16) is x 12..20, y 8..24 → ×2 → x 24..40 + 32, y 16..48 in the frame,
    // x clamped to the frame's right edge (64).
    expect(d.box.x).toBeCloseTo(56 / 64, 5);
    expect(d.box.w).toBeCloseTo(8 / 64, 5);
    expect(d.box.y).toBeCloseTo(16 / 64, 5);
    expect(d.box.h).toBeCloseTo(32 / 64, 5);
    await detector.close();
  });

  it('one animal, one label: a dog and a cat on nearly the same box keep only the better', async () => {
    const C = COCO_LABELS.length;
    const row = (cls: number, score: number, dx = 0) => {
      const r = new Float32Array(5 + C);
      r.set([SIZE / 2 + dx, SIZE / 2, SIZE / 2, SIZE / 2, 1]);
      r[5 + cls] = score;
      return Array.from(r);
    };
    const data = Float32Array.from([...row(15, 0.5, 0.5), ...row(16, 0.51), ...row(0, 0.6, 12)]); // cat, dog, and a person beside them
    const backend: InferenceBackend = { run: async (regions) => regions.map(() => ({ out: { data, dims: [1, 3, 5 + C] } })), close: async () => {} };
    const detector = await createObjectDetector({ backend, spec: SPEC });
    const found = (await detector.detect(frame(1), WHOLE))!;
    expect(found.map((d) => d.label).sort()).toEqual(['dog', 'person'].sort());
    await detector.close();
  });

  it('queue 0: a frame arriving while one runs is dropped; no regions means no work', async () => {
    const fake = slowBackend();
    const detector = await createObjectDetector({ backend: fake.backend, spec: SPEC, queue: 0 });
    const first = detector.detect(frame(1), WHOLE);
    expect(await detector.detect(frame(2), WHOLE)).toBeNull();
    expect(await detector.detect(frame(3), [])).toEqual([]);
    fake.release();
    expect(await first).toHaveLength(1);
    expect(detector.stats().dropped).toBe(1);
    await detector.close();
    await expect(detector.detect(frame(4), WHOLE)).rejects.toThrow(/closed/);
  });

  it('close() settles waiting frames as dropped', async () => {
    const fake = slowBackend();
    const detector = await createObjectDetector({ backend: fake.backend, spec: SPEC, queue: 3 });
    void detector.detect(frame(1), WHOLE);
    const waiting = detector.detect(frame(2), WHOLE);
    await detector.close();
    expect(await waiting).toBeNull();
  });
});
