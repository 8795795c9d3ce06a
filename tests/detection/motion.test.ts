// The motion detector on synthetic frames (tests/detection/motion-scene.ts):
// scripted objects at known times, lighting changes, masks, zones, blips.
import { describe, expect, it } from 'vitest';
import { MotionDetector, type MotionFrameOutput } from '../../main/engine/detection/motion/motion-detector.ts';
import type { MotionConfig } from '../../main/engine/detection/motion/config.ts';
import type { Box } from '../../main/engine/detection/types.ts';
import { rasterise } from '../../main/engine/detection/motion/polygon-raster.ts';
import { MotionActivity } from '../../main/engine/detection/motion/motion-activity.ts';
import { Scene, slider, T0 } from './motion-scene.ts';

const STEP = 200; // 5 fps

function run(scene: Scene, ms: number, config: Partial<MotionConfig> = {}, detector = new MotionDetector(config)) {
  const results: MotionFrameOutput[] = [];
  for (let t = 0; t < ms; t += STEP) results.push(detector.process(scene.frame(t)));
  const transitions = results.flatMap((r) => (r.transition ? [{ ...r.transition, reportedAt: r.at - T0 }] : []));
  return { detector, results, transitions: transitions.map((tr) => ({ ...tr, at: tr.at - T0, ...(tr.type === 'end' ? { startedAt: tr.startedAt - T0 } : {}) })) };
}

const movingFrames = (results: MotionFrameOutput[]) => results.filter((r) => r.boxes.length > 0).map((r) => r.at - T0);

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

describe('motion detector', () => {
  it('reports a moving object from its first to its last moving frame, with boxes where it is', () => {
    const scene = new Scene().add(slider(20_000, 26_000, 0.05, 0.75, 0.4, [0.15, 0.3]));
    const { results, transitions } = run(scene, 40_000);
    expect(transitions.map((t) => t.type)).toEqual(['start', 'end']);
    const [start, end] = transitions;
    expect(Math.abs(start.at - 20_000)).toBeLessThanOrEqual(400);
    expect(start.reportedAt).toBeGreaterThanOrEqual(21_000); // after the minimum duration (1 s)
    expect(Math.abs(end.at - 26_000)).toBeLessThanOrEqual(600);
    // No motion outside the object's time (plus the frame showing where it left).
    for (const t of movingFrames(results)) expect(t).toBeGreaterThanOrEqual(20_000), expect(t).toBeLessThanOrEqual(26_400);
    // Boxes sit on the object.
    for (const r of results) {
      const t = r.at - T0;
      if (t < 20_400 || t >= 25_800) continue;
      const x = 0.05 + (0.7 * (t - 20_000)) / 6000;
      expect(r.boxes.length).toBeGreaterThan(0);
      expect(r.boxes.some((b) => overlaps(b, { x, y: 0.4, w: 0.15, h: 0.3 }))).toBe(true);
      if (t >= 21_000) expect(r.active).toBe(true);
    }
  });

  it('gives no motion for a static scene over 5 minutes, with noise and a slow light drift', () => {
    const scene = new Scene({ noise: 6, brightness: (t) => 1 + (0.15 * t) / 300_000 });
    const { results, transitions } = run(scene, 300_000);
    expect(transitions).toEqual([]);
    expect(movingFrames(results)).toEqual([]);
    expect(results.at(-1)!.calibrating).toBe(false);
  });

  it('a dark, noisy night picture is not motion, and someone walking through it still is', () => {
    // A third of the light and heavy sensor noise: the contrast stretch multiplies both.
    const night = () => new Scene({ noise: 20, brightness: () => 0.3 }).add({ ...slider(30_000, 36_000, 0.1, 0.7, 0.4, [0.12, 0.25]), rgb: [200, 200, 200] });
    const { results, transitions } = run(night(), 60_000);
    expect(transitions.map((t) => t.type)).toEqual(['start', 'end']);
    expect(Math.abs(transitions[0].at - 30_000)).toBeLessThanOrEqual(600);
    expect(Math.abs(transitions[1].at - 36_000)).toBeLessThanOrEqual(1000);
    const falseFrames = movingFrames(results).filter((t) => t < 30_000 || t > 36_400);
    expect(falseFrames.length).toBeLessThanOrEqual(3); // a stray frame or two, never an event
  });

  it('resets the background on a whole-picture brightness step instead of reporting motion', () => {
    const scene = new Scene({ brightness: (t) => (t >= 30_000 ? 1.7 : 1) });
    const { results, transitions, detector } = run(scene, 60_000);
    expect(transitions).toEqual([]);
    expect(movingFrames(results)).toEqual([]);
    expect(results.find((r) => r.at - T0 === 30_000)!.reset).toBe('global-change');
    expect(detector.stats().globalChanges).toBe(1);
    // And it still sees motion once the light is on.
    const lit = new Scene({ brightness: (t) => (t >= 30_000 ? 1.7 : 1) }).add(slider(45_000, 50_000, 0.1, 0.7, 0.5, [0.15, 0.3]));
    expect(run(lit, 60_000).transitions.map((t) => t.type)).toEqual(['start', 'end']);
  });

  it('a light switched off (darker by half) and an IR switch to grey give no motion, not even a single frame', () => {
    // No minimum duration: one frame of motion would be an event.
    const off = run(new Scene({ brightness: (t) => (t >= 20_000 ? 0.5 : 1) }), 40_000, { minDurationMs: 0 });
    expect(off.transitions).toEqual([]);
    expect(movingFrames(off.results)).toEqual([]);
    const ir = run(new Scene({ irFrom: 20_000 }), 40_000, { minDurationMs: 0 });
    expect(ir.transitions).toEqual([]);
    expect(movingFrames(ir.results)).toEqual([]);
    expect(ir.detector.stats().globalChanges).toBeGreaterThanOrEqual(1);
    const on = run(new Scene({ brightness: (t) => (t >= 20_000 ? 1.7 : 1) }), 40_000, { minDurationMs: 0 });
    expect(movingFrames(on.results)).toEqual([]);
  });

  it('a light ramping up over a second gives no motion', () => {
    const ramp = (t: number) => (t < 20_000 ? 1 : t > 21_000 ? 1.6 : 1 + (0.6 * (t - 20_000)) / 1000);
    expect(run(new Scene({ brightness: ramp }), 40_000).transitions).toEqual([]);
  });

  it('ignores motion inside a mask, and sees the same motion without the mask', () => {
    const moving = () => new Scene().add(slider(15_000, 22_000, 0.55, 0.75, 0.1, [0.1, 0.2]));
    const mask = [[0.5, 0], [1, 0], [1, 0.45], [0.5, 0.45]] as [number, number][];
    const masked = run(moving(), 30_000, { masks: [mask] });
    expect(masked.transitions).toEqual([]);
    expect(movingFrames(masked.results)).toEqual([]);
    const open = run(moving(), 30_000);
    expect(open.transitions.map((t) => t.type)).toEqual(['start', 'end']);
  });

  it('motion just outside a mask still counts (the mask does not leak)', () => {
    const scene = new Scene().add(slider(15_000, 22_000, 0.05, 0.3, 0.1, [0.1, 0.2]));
    const { transitions } = run(scene, 30_000, { masks: [[[0.5, 0], [1, 0], [1, 1], [0.5, 1]]] });
    expect(transitions.map((t) => t.type)).toEqual(['start', 'end']);
  });

  it('blips shorter than the minimum duration are not motion; with no minimum they are', () => {
    const blips = () => {
      const s = new Scene();
      // An insect: 400 ms in view every 3 s, somewhere else each time.
      for (let i = 0; i < 8; i++) s.add(slider(15_000 + i * 3000, 15_400 + i * 3000, 0.1 + i * 0.1, 0.12 + i * 0.1, 0.2 + (i % 3) * 0.2, [0.05, 0.08], [250, 250, 250]));
      return s;
    };
    const strict = run(blips(), 45_000, { minDurationMs: 1000 });
    expect(movingFrames(strict.results).length).toBeGreaterThan(0); // it was seen...
    expect(strict.transitions).toEqual([]); // ...but never counted
    const eager = run(blips(), 45_000, { minDurationMs: 0 });
    expect(eager.transitions.filter((t) => t.type === 'start').length).toBeGreaterThanOrEqual(1);
  });

  it('applies a zone’s own sensitivity to the pixels inside it', () => {
    // A faint object (a little brighter than the wall behind it).
    const faint = (x0: number, x1: number) => new Scene({ noise: 2 }).add({ ...slider(15_000, 22_000, x0, x1, 0.05, [0.12, 0.25]), rgb: [0, 0, 0] });
    // Recolour per frame: the object is the background plus 12 grey levels.
    const scene = (x0: number, x1: number) => {
      const s = faint(x0, x1);
      const frame = s.frame.bind(s);
      s.frame = (t) => {
        const f = frame(t);
        const o = s.objects[0];
        if (t < o.from || t >= o.to) return f;
        const plain = new Scene({ noise: 2 }).frame(t);
        const [ox, oy] = o.pos(t);
        for (let y = Math.round(oy * s.height); y < Math.round((oy + o.h) * s.height); y++) {
          for (let x = Math.round(ox * s.width); x < Math.round((ox + o.w) * s.width); x++) {
            const p = (y * s.width + x) * 3;
            for (let c = 0; c < 3; c++) f.data[p + c] = Math.min(255, plain.data[p + c] + 12);
          }
        }
        return f;
      };
      return s;
    };
    const zone = { polygon: [[0, 0], [0.5, 0], [0.5, 0.5], [0, 0.5]] as [number, number][], sensitivity: 10 };
    // Camera at sensitivity 1: too faint to count outside the zone...
    const outside = run(scene(0.6, 0.8), 30_000, { sensitivity: 1, zones: [zone] });
    expect(outside.transitions).toEqual([]);
    // ...but inside the sensitive zone it counts.
    const inside = run(scene(0.05, 0.3), 30_000, { sensitivity: 1, zones: [zone] });
    expect(inside.transitions.map((t) => t.type)).toEqual(['start', 'end']);
    // And a zone can be less sensitive than the camera.
    const dull = run(scene(0.05, 0.3), 30_000, { sensitivity: 10, zones: [{ ...zone, sensitivity: 1 }] });
    expect(dull.transitions).toEqual([]);
    const keen = run(scene(0.05, 0.3), 30_000, { sensitivity: 10 });
    expect(keen.transitions.map((t) => t.type)).toEqual(['start', 'end']);
  });

  it('an object that stops ends motion soon after it stopped, and it is not motion again until it moves', () => {
    const scene = new Scene()
      // Drives in and parks at x = 0.5 from 16 s to 60 s, then drives off.
      .add({ from: 12_000, to: 66_000, w: 0.2, h: 0.25, rgb: [40, 40, 220], pos: (t) => [t < 16_000 ? 0.05 + (0.45 * (t - 12_000)) / 4000 : t < 60_000 ? 0.5 : 0.5 + (0.3 * (t - 60_000)) / 6000, 0.6] });
    const { transitions } = run(scene, 80_000);
    expect(transitions.map((t) => t.type)).toEqual(['start', 'end', 'start', 'end']);
    expect(Math.abs(transitions[0].at - 12_000)).toBeLessThanOrEqual(400);
    expect(Math.abs(transitions[1].at - 16_000)).toBeLessThanOrEqual(1000);
    expect(Math.abs(transitions[2].at - 60_000)).toBeLessThanOrEqual(400);
    expect(Math.abs(transitions[3].at - 66_000)).toBeLessThanOrEqual(1000);
  });

  it('a big object near the lens is motion, not a whole-picture change', () => {
    const scene = new Scene().add(slider(15_000, 20_000, 0, 0.4, 0, [0.5, 1], [20, 20, 20]));
    const { transitions, detector } = run(scene, 30_000);
    expect(transitions.map((t) => t.type)).toEqual(['start', 'end']);
    expect(detector.stats().globalChanges).toBe(0);
  });

  it('reset() relearns the background: a different picture after a reconnect is not motion', () => {
    const detector = new MotionDetector();
    const before = new Scene({ seed: 1 });
    const after = new Scene({ seed: 99 }); // camera re-aimed, or a different exposure after reconnect
    const results: MotionFrameOutput[] = [];
    for (let t = 0; t < 20_000; t += STEP) results.push(detector.process(before.frame(t)));
    detector.reset('reconnect');
    for (let t = 20_000; t < 40_000; t += STEP) results.push(detector.process(after.frame(t)));
    expect(results.filter((r) => r.transition)).toEqual([]);
    expect(results.find((r) => r.at - T0 === 20_000)!.reset).toBe('calibrating');
    expect(detector.stats().lastReset).toBe('reconnect');
    expect(detector.stats().globalChanges).toBe(0); // the reset, not the global-change check, handled it
  });

  it('recalibrates on a new frame size and keeps working', () => {
    const detector = new MotionDetector();
    const small = new Scene({ width: 320, height: 180 });
    const big = new Scene({ width: 640, height: 360 }).add(slider(30_000, 36_000, 0.1, 0.7, 0.3, [0.15, 0.3]));
    for (let t = 0; t < 20_000; t += STEP) detector.process(small.frame(t));
    const { transitions } = run(big, 45_000, {}, detector);
    expect(detector.stats().lastReset).toBe('size');
    expect(transitions.map((t) => t.type)).toEqual(['start', 'end']);
  });

  it('works at 1 fps and at 15 fps', () => {
    for (const step of [1000, 66]) {
      const scene = new Scene().add(slider(20_000, 28_000, 0.05, 0.75, 0.4, [0.15, 0.3]));
      const detector = new MotionDetector();
      const transitions = [];
      for (let t = 0; t < 40_000; t += step) {
        const r = detector.process(scene.frame(t));
        if (r.transition) transitions.push(r.transition);
      }
      expect(transitions.map((t) => t.type)).toEqual(['start', 'end']);
      expect(Math.abs(transitions[0].at - T0 - 20_000)).toBeLessThanOrEqual(step + 100);
      expect(Math.abs(transitions[1].at - T0 - 28_000)).toBeLessThanOrEqual(step + 600);
    }
  });

  it('updateConfig: a new mask applies (after relearning the background)', () => {
    const scene = new Scene().add(slider(20_000, 26_000, 0.55, 0.75, 0.1, [0.1, 0.2])).add(slider(40_000, 46_000, 0.55, 0.75, 0.1, [0.1, 0.2]));
    const detector = new MotionDetector();
    const transitions: string[] = [];
    for (let t = 0; t < 60_000; t += STEP) {
      if (t === 30_000) detector.updateConfig({ masks: [[[0.5, 0], [1, 0], [1, 0.45], [0.5, 0.45]]] });
      const r = detector.process(scene.frame(t));
      if (t === 30_000) expect(r.reset).toBe('calibrating');
      if (r.transition) transitions.push(`${r.transition.type}@${Math.round((r.transition.at - T0) / 1000)}`);
    }
    expect(transitions).toEqual(['start@20', 'end@26']); // the second pass is masked
    expect(detector.stats().lastReset).toBe('config');
  });

  it('finish() closes active motion at its last moving frame', () => {
    const scene = new Scene().add(slider(10_000, 30_000, 0.05, 0.75, 0.4, [0.15, 0.3]));
    const detector = new MotionDetector();
    let last = 0;
    for (let t = 0; t < 15_000; t += STEP) if (detector.process(scene.frame(t)).boxes.length) last = T0 + t;
    expect(detector.active).toBe(true);
    expect(detector.finish()).toEqual({ type: 'end', at: last, startedAt: T0 + 10_000 });
    expect(detector.active).toBe(false);
  });
});

describe('polygon rasterising', () => {
  it('covers the pixels whose centres are inside, for any picture size', () => {
    const square: [number, number][] = [[0.25, 0.25], [0.75, 0.25], [0.75, 0.75], [0.25, 0.75]];
    const map = rasterise([square], 8, 4, new Uint8Array(32), 1);
    expect([...map].join('')).toBe('00000000' + '00111100' + '00111100' + '00000000');
    const triangle: [number, number][] = [[0, 0], [1, 0], [0, 1]];
    const tri = rasterise([triangle], 100, 100, new Uint8Array(10_000), 1);
    const area = tri.reduce((a, b) => a + b, 0);
    expect(Math.abs(area - 5000)).toBeLessThanOrEqual(100);
    expect(tri[0]).toBe(1);
    expect(tri[99 * 100 + 99]).toBe(0);
  });
});

describe('motion activity', () => {
  it('needs the minimum duration, tolerates short gaps, ends after the quiet time with backdated times', () => {
    const a = new MotionActivity({ minDurationMs: 1000, quietMs: 2000, candidateGapMs: 500 });
    const feed = (from: number, to: number, moving: boolean) => {
      const out = [];
      for (let t = from; t < to; t += 200) {
        const tr = a.update(t, moving);
        if (tr) out.push(tr);
      }
      return out;
    };
    expect(feed(0, 600, true)).toEqual([]); // 400 ms of motion
    expect(feed(600, 1400, false)).toEqual([]); // a long pause: forgotten
    expect(feed(1400, 2400, true)).toEqual([]);
    expect(feed(2400, 2600, true)).toEqual([{ type: 'start', at: 1400 }]);
    expect(feed(2600, 3000, false)).toEqual([]);
    expect(feed(3000, 3400, true)).toEqual([]); // back before the quiet time: same motion
    expect(feed(3400, 5200, false)).toEqual([]);
    expect(feed(5200, 5400, false)).toEqual([{ type: 'end', at: 3200, startedAt: 1400 }]); // 2 s after the last moving frame
  });
});
