/**
 * Motion detection benchmark (`npm run bench -- --only detection-motion`, or
 * `npx tsx bench/detection-motion.ts [--quick]`).
 *
 * One scripted camera (tests/detection/motion-clip.ts: 640x360 15 fps H.264
 * at 600 kb/s, SMPTE bars with sensor noise, a box crossing at known times, a
 * light switched on) published into the real LiveHub in real time, decoded by
 * the detection FrameSource (one ffmpeg, yuv420p 640x360 at 5 fps) and judged
 * by the MotionDetector, exactly as the engine runs it.
 *
 * - CPU per camera at 5 fps: the decoder's ffmpeg (from /proc), plus the
 *   detector's own CPU time (measured around each `process` call). Target ≤ 2 %
 *   of one core for both together. The Node side of the pipe (copying frames
 *   off ffmpeg's stdout) is included in "engine side", this process's CPU
 *   minus an idle baseline — an upper bound, since the clip player and hub
 *   run here too.
 * - Precision/recall, per frame: a frame is "moving" in truth when the box is
 *   in view (frames within 300 ms of a boundary are not judged); predicted
 *   when the detector returned a box. Per event: a detected motion event
 *   matches a scripted one when its start and end are both within 1 s.
 */
import { LiveHub } from '../main/engine/live/live-hub.ts';
import { startFrameSource } from '../main/engine/detection/frame-source.ts';
import { MotionDetector, type MotionTransition } from '../main/engine/detection/motion/motion-detector.ts';
import { silentLogger } from '../main/engine/log.ts';
import { FakeCatalog } from '../tests/live/fakes.ts';
import { makeClip, playClip, type ClipScript } from '../tests/detection/motion-clip.ts';
import { cpuPercent, sampleTree } from './proc-stats.ts';
import type { BenchRow } from './report.ts';

const GROUP = 'detection-motion';
const FPS = 5;

function script(quick: boolean): ClipScript {
  return quick
    ? { seconds: 16, motion: [{ from: 3000, to: 6500 }, { from: 9000, to: 11_000 }], lightStepAt: 13_000 }
    : {
        seconds: 40,
        motion: [
          { from: 3000, to: 6500 },
          { from: 9000, to: 11_000 },
          { from: 16_000, to: 22_000 },
          { from: 30_000, to: 33_000 },
        ],
        lightStepAt: 26_000,
      };
}

export async function benchDetectionMotion(opts: { quick?: boolean } = {}): Promise<BenchRow[]> {
  const s = script(opts.quick ?? false);
  const clip = await makeClip(s);
  const catalog = new FakeCatalog();
  catalog.cameras.set(1, [
    { kind: 'main', codec: 'h264' },
    { kind: 'sub', codec: 'h264' },
  ]);
  const hub = new LiveHub({ catalog, ffmpegPath: () => 'ffmpeg', log: silentLogger });

  // Idle baseline of this process (timers, GC) for the engine-side figure.
  const idleCpu0 = process.cpuUsage();
  const idleT0 = performance.now();
  await new Promise((r) => setTimeout(r, 2000));
  const idleCpu = cpuMs(process.cpuUsage(idleCpu0)) / (performance.now() - idleT0);

  const detector = new MotionDetector({ sensitivity: 5, minDurationMs: 1000 });
  const results: { at: number; moving: boolean }[] = [];
  const transitions: MotionTransition[] = [];
  let detectorMs = 0;
  const source = startFrameSource({
    hub,
    cameraId: 1,
    fps: FPS,
    ffmpegPath: 'ffmpeg',
    log: silentLogger,
    onFrame(frame) {
      // CPU time, not wall time: on a busy machine the wall time of a call
      // includes whatever ran on the core meanwhile.
      const c0 = process.cpuUsage();
      const r = detector.process(frame);
      detectorMs += cpuMs(process.cpuUsage(c0));
      results.push({ at: frame.at, moving: r.boxes.length > 0 });
      if (r.transition) transitions.push(r.transition);
    },
    onRestart: () => detector.reset('reconnect'),
  });
  if (!source) throw new Error('no frame source');

  const start = Date.now() + 300;
  // Measure CPU over the steady part: from 2 s in to the end of the clip.
  let a: ReturnType<typeof sampleTree> | null = null;
  let cpu0 = process.cpuUsage();
  let wall0 = performance.now();
  let detector0 = 0;
  let frames0 = 0;
  const sampler = setTimeout(() => {
    const pid = source.stats().pid;
    if (pid) a = sampleTree([pid]);
    cpu0 = process.cpuUsage();
    wall0 = performance.now();
    detector0 = detectorMs;
    frames0 = results.length;
  }, 2300);
  await playClip(hub, 1, 'sub', clip, start);
  clearTimeout(sampler);
  const pid = source.stats().pid;
  const b = pid ? sampleTree([pid]) : null;
  const wall = performance.now() - wall0;
  const engineCpu = (100 * (cpuMs(process.cpuUsage(cpu0)) / wall - idleCpu));
  const decodeCpu = a && b ? cpuPercent(a, b) : NaN;
  const detectorCpu = (100 * (detectorMs - detector0)) / wall;
  const framesMeasured = results.length - frames0;
  // Let the quiet time after the last motion pass, then stop.
  await new Promise((r) => setTimeout(r, 3000));
  const end = detector.finish();
  if (end) transitions.push(end);
  const stats = source.stats();
  source.close();
  hub.stop();

  // ---- precision / recall
  const inTruth = (t: number, margin: number) => s.motion.some((m) => t >= start + m.from + margin && t <= start + m.to - margin);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const r of results) {
    if (r.at > start + s.seconds * 1000) continue;
    const truth = inTruth(r.at, -300);
    const sure = inTruth(r.at, 300);
    if (truth && !sure) continue; // within 300 ms of a boundary
    if (r.moving && truth) tp++;
    else if (r.moving) fp++;
    else if (truth) fn++;
  }
  const events: { start: number; end: number }[] = [];
  for (const t of transitions) if (t.type === 'end') events.push({ start: t.startedAt, end: t.at });
  let matched = 0;
  let worstError = 0;
  for (const m of s.motion) {
    const e = events.find((ev) => Math.abs(ev.start - (start + m.from)) <= 1000 && Math.abs(ev.end - (start + m.to)) <= 1000);
    if (!e) continue;
    matched++;
    worstError = Math.max(worstError, Math.abs(e.start - (start + m.from)), Math.abs(e.end - (start + m.to)));
  }
  const eventPrecision = events.length ? matched / events.length : 0;
  const eventRecall = matched / s.motion.length;
  const total = decodeCpu + detectorCpu;
  const fpsSeen = (framesMeasured * 1000) / wall;

  return [
    { group: GROUP, name: 'motion CPU per camera at 5 fps (decode + detector)', value: total, unit: '% core', target: '≤ 2', pass: total <= 2, note: `640x360 15 fps H.264 sub stream, ${fpsSeen.toFixed(1)} frames/s analysed` },
    { group: GROUP, name: 'decoder (ffmpeg → yuv420p 640x360 at 5 fps)', value: decodeCpu, unit: '% core' },
    { group: GROUP, name: 'detector', value: detectorCpu, unit: '% core', note: `${((detectorMs - detector0) / Math.max(1, framesMeasured)).toFixed(2)} ms/frame` },
    { group: GROUP, name: 'engine side (hub, frame pipe, detector)', value: engineCpu, unit: '% core', note: 'upper bound: includes the clip player' },
    { group: GROUP, name: 'frames dropped (consumer busy)', value: stats.droppedBusy, unit: 'frames', target: '0', pass: stats.droppedBusy === 0 },
    { group: GROUP, name: 'frame precision (scripted camera)', value: tp / Math.max(1, tp + fp), unit: '', target: '≥ 0.95', pass: tp / Math.max(1, tp + fp) >= 0.95 },
    { group: GROUP, name: 'frame recall (scripted camera)', value: tp / Math.max(1, tp + fn), unit: '', target: '≥ 0.9', pass: tp / Math.max(1, tp + fn) >= 0.9 },
    { group: GROUP, name: 'event precision', value: eventPrecision, unit: '', target: '1', pass: eventPrecision === 1, note: `${events.length} events, ${s.motion.length} scripted, light step ignored: ${events.every((e) => !s.lightStepAt || Math.abs(e.start - (start + s.lightStepAt)) > 1000)}` },
    { group: GROUP, name: 'event recall', value: eventRecall, unit: '', target: '1', pass: eventRecall === 1 },
    { group: GROUP, name: 'worst event start/end error', value: worstError, unit: 'ms', target: '≤ 1000', pass: matched > 0 && worstError <= 1000 },
  ];
}

function cpuMs(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1000;
}

// Run on its own: npx tsx bench/detection-motion.ts [--quick]
if (import.meta.url === `file://${process.argv[1]}`) {
  const { printTable } = await import('./report.ts');
  printTable(await benchDetectionMotion({ quick: process.argv.includes('--quick') }));
}
