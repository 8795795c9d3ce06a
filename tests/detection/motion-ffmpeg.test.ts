// Motion detection end to end with real ffmpeg: a scripted camera clip
// (tests/detection/motion-clip.ts) published into the real LiveHub in real
// time, decoded by the FrameSource, judged by the MotionDetector. The box's
// motion must start and end within 1 s of the script; the light switched on
// and a camera reconnect must give no motion.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveHub } from '../../main/engine/live/live-hub.ts';
import { startFrameSource, type FrameSource } from '../../main/engine/detection/frame-source.ts';
import { MotionDetector, type MotionTransition } from '../../main/engine/detection/motion/motion-detector.ts';
import type { RgbFrame } from '../../main/engine/detection/types.ts';
import { silentLogger } from '../../main/engine/log.ts';
import { FakeCatalog } from '../live/fakes.ts';
import { waitFor } from '../helpers/wait.ts';
import { makeClip, playClip, SCRIPTED, type Clip } from './motion-clip.ts';

const alive = (pid: number | undefined) => {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A live fan-out for camera 1 with these H.264 streams; the test publishes into it. */
function hubWith(kinds: ('main' | 'sub')[]): LiveHub {
  const catalog = new FakeCatalog();
  catalog.cameras.set(1, kinds.map((kind) => ({ kind, codec: 'h264' as const })));
  return new LiveHub({ catalog, ffmpegPath: () => 'ffmpeg', log: silentLogger });
}

describe('motion from a real camera feed (ffmpeg)', () => {
  let scripted: Clip;
  let afterReconnect: Clip;
  let hub: LiveHub;
  let source: FrameSource | null = null;

  beforeAll(async () => {
    // After the reconnect the camera shows the same place darker than before it (the first run ends
    // with the light on) and with more noise: a different picture, which must not be motion.
    [scripted, afterReconnect] = await Promise.all([makeClip(SCRIPTED), makeClip({ seconds: 5, motion: [], lightStepAt: null }, { variant: 4 })]);
    hub = hubWith(['main', 'sub']);
  });

  afterAll(() => {
    source?.close();
    hub?.stop();
  });

  it('starts and ends with the moving box, ignores the light and the reconnect', async () => {
    const detector = new MotionDetector({ sensitivity: 5, minDurationMs: 1000 });
    const frames: RgbFrame[] = [];
    const transitions: MotionTransition[] = [];
    const restarts: string[] = [];
    let offline = 0;
    source = startFrameSource({
      hub,
      cameraId: 1,
      fps: 5,
      ffmpegPath: 'ffmpeg',
      log: silentLogger,
      onFrame(frame) {
        frames.push({ ...frame, data: new Uint8Array(0) }); // keep times, not pixels
        const r = detector.process(frame);
        if (r.transition) transitions.push(r.transition);
      },
      onRestart(reason) {
        restarts.push(reason);
        detector.reset('reconnect');
      },
      onOffline: () => void offline++,
    });
    expect(source).not.toBeNull();
    expect(source!.stream).toBe('sub');

    const start = Date.now() + 200;
    // A second decoder joins mid-run: the hub hands it the cached GOP at once,
    // and its frames must still get the times they were captured at.
    const late: RgbFrame[] = [];
    let lateSource: FrameSource | null = null;
    const joinAt = start + 6300;
    const joiner = setTimeout(() => {
      lateSource = startFrameSource({ hub, cameraId: 1, fps: 5, ffmpegPath: 'ffmpeg', log: silentLogger, onFrame: (f) => void late.push({ ...f, data: new Uint8Array(0) }) });
    }, joinAt - Date.now());
    await playClip(hub, 1, 'sub', scripted, start);
    clearTimeout(joiner);
    (lateSource as FrameSource | null)?.close();
    expect(late.length).toBeGreaterThan(20);
    // Backdated to the start of the GOP it joined in (keyframes every second), not stamped "now".
    expect(late[0].at).toBeLessThanOrEqual(joinAt - 150);
    expect(late[0].at).toBeGreaterThanOrEqual(start + 5800);
    // The same instants as the first decoder's frames: on its 200 ms grid (measured against
    // the grid, not each frame, because a loaded machine may drop some of the first decoder's).
    for (const f of late) {
      const offset = (((f.at - frames[0].at) % 200) + 200) % 200;
      expect(Math.min(offset, 200 - offset)).toBeLessThanOrEqual(50);
    }
    const pid = source!.stats().pid;
    expect(alive(pid)).toBe(true);
    // Wait for the last frames of the first run to come out of the decoder
    // (it holds back the last fragment until the next one shows it complete).
    await waitFor(() => frames.some((f) => f.at >= start + SCRIPTED.seconds * 1000 - 1200), { timeoutMs: 5000, what: 'the end of the first run' });
    const firstRunFrames = frames.length;

    // The camera drops and comes back (a new recorder run, a new init).
    const offlineBefore = offline; // the hub also says offline when we joined before the camera ran
    hub.onEnd(1, 'sub');
    await waitFor(() => offline === offlineBefore + 1, { timeoutMs: 2000, what: 'offline' });
    const restart = Date.now() + 300;
    await playClip(hub, 1, 'sub', afterReconnect, restart);
    await waitFor(() => frames.some((f) => f.at >= restart + 4000), { timeoutMs: 5000, what: 'the second run' });

    // The decoder ran at the detection rate, with frames on the media clock.
    expect(firstRunFrames).toBeGreaterThanOrEqual(SCRIPTED.seconds * 5 * 0.85);
    expect(firstRunFrames).toBeLessThanOrEqual(SCRIPTED.seconds * 5 + 2);
    const gaps = frames.slice(1, firstRunFrames).map((f, i) => f.at - frames[i].at);
    const median = gaps.sort((a, b) => a - b)[gaps.length >> 1];
    expect(Math.abs(median - 200)).toBeLessThanOrEqual(20);
    expect(restarts).toEqual(['new-run', 'new-run']);
    expect(source!.stats().decoderStarts).toBe(2);
    expect(alive(pid)).toBe(false); // the first run's decoder is gone

    // Exactly one motion: the box, within 1 s of the script.
    const truth = SCRIPTED.motion[0];
    expect(transitions.map((t) => t.type)).toEqual(['start', 'end']);
    expect(Math.abs(transitions[0].at - (start + truth.from))).toBeLessThanOrEqual(1000);
    expect(Math.abs(transitions[1].at - (start + truth.to))).toBeLessThanOrEqual(1000);
    // The light step was seen, as a whole-picture change rather than motion.
    expect(frames.some((f) => f.at >= start + SCRIPTED.lightStepAt! + 500 && f.at < start + SCRIPTED.seconds * 1000)).toBe(true);
    expect(detector.stats().globalChanges).toBeGreaterThanOrEqual(1);

    const lastPid = source!.stats().pid;
    source!.close();
    expect(source!.stats().running).toBe(false);
    await waitFor(() => !alive(lastPid), { timeoutMs: 3000, what: 'the decoder to exit after close' });
    expect(hub.stats().feeds['1/sub'].viewers).toBe(0);
  });
});

describe('motion on a still picture decoded keyframes only (ffmpeg)', () => {
  // Motion starts between two keyframes (4.4 s; keyframes every second).
  // Two seconds past the last keyframe looked at: on a busy machine ffmpeg may hold a still keyframe until the next one comes in.
  const script = { seconds: 14, motion: [{ from: 4400, to: 7500 }], lightStepAt: 10_000 };
  let clip: Clip;
  let hub: LiveHub;
  let source: FrameSource | null = null;

  beforeAll(async () => {
    clip = await makeClip(script);
    hub = hubWith(['main']);
  });

  afterAll(() => {
    source?.close();
    hub?.stop();
  });

  it('wakes on the first keyframe that shows motion, catches up its GOP, and finds the same motion', async () => {
    const detector = new MotionDetector({ sensitivity: 5, minDurationMs: 1000 });
    const frames: { at: number; mode: string }[] = [];
    const transitions: MotionTransition[] = [];
    source = startFrameSource({
      hub,
      cameraId: 1,
      fps: 5,
      ffmpegPath: 'ffmpeg',
      log: silentLogger,
      keyframesWhenStill: true,
      stillWarmupMs: 2000,
      onFrame(frame) {
        frames.push({ at: frame.at, mode: source!.stats().decoding });
        const r = detector.process(frame);
        if (r.transition) transitions.push(r.transition);
        // What the camera pipeline does: every frame while something moves, and a second after.
        if (r.boxes.length) source!.stayAwake(1000);
      },
    });
    const start = Date.now() + 200;
    await playClip(hub, 1, 'main', clip, start);
    await waitFor(() => frames.some((f) => f.at >= start + 10_900), { timeoutMs: 5000, what: 'the last keyframe' });
    const stats = source!.stats();

    // The same motion as decoding every frame finds: one, within 1 s of the script (it is first seen on the 5 s keyframe).
    expect(transitions.map((t) => t.type)).toEqual(['start', 'end']);
    expect(transitions[0].at - (start + 4400)).toBeGreaterThanOrEqual(-100);
    expect(transitions[0].at - (start + 4400)).toBeLessThanOrEqual(1000);
    expect(Math.abs(transitions[1].at - (start + 7500))).toBeLessThanOrEqual(1000);
    // Still stretches were decoded a keyframe a second: 2.x–4 s and from about 10 s (motion, 2 s of quiet, 1 s more).
    expect(stats.wakes).toBe(1);
    expect(stats.stillKeyframes).toBeGreaterThanOrEqual(3);
    const still = frames.filter((f) => f.at > start + 2500 && f.at < start + 4900);
    expect(still.length).toBeLessThanOrEqual(4); // every frame would be 12
    for (const f of still) {
      const off = (f.at - start) % 1000;
      expect(Math.min(off, 1000 - off)).toBeLessThanOrEqual(60); // the keyframes' capture times
    }
    // Woken: every frame (5 per second) from the 5 s keyframe on, through the motion; from the 6 s one when
    // ffmpeg held the 5 s keyframe until the next came in (a loaded machine; docs/detection.md).
    const awake = frames.filter((f) => f.at >= start + 5000 && f.at < start + 7500);
    expect(awake.length).toBeGreaterThanOrEqual(8);
    for (let i = 1; i < frames.length; i++) expect(frames[i].at).toBeGreaterThan(frames[i - 1].at);
    expect(frames.filter((f) => f.at < start + 12_000).length).toBeLessThan(60 * 0.8); // about 45 of 60 in this busy clip
  });
});
