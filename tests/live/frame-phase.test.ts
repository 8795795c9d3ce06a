// Lining up a grid's tiles so their frames show in the same vsync (frame-phase.ts):
// the phase read from the media clock, the nudge chosen, and convergence of a
// simulated grid.
import { describe, expect, it } from 'vitest';
import {
  ALIGN_TOLERANCE_MS,
  alignedPolicy,
  chooseNudge,
  circularDiff,
  medianLateness,
  phaseOf,
  PhaseTargets,
  slotMiddle,
  troughBand,
  VSYNC_MS,
  vsyncFromFrameTimes,
  wallPhase,
} from '../../renderer/src/live/frame-phase.ts';
import { decideEdge, DEFAULT_EDGE_POLICY } from '../../renderer/src/live/live-edge.ts';

const FRAME_MS = 1000 / 15;
const FRAME_S = FRAME_MS / 1000;

describe('frame phase', () => {
  it('measures phases on a circle of one frame period', () => {
    expect(phaseOf(1010 + 2 * VSYNC_MS, FRAME_MS)).toBeCloseTo(phaseOf(1010, FRAME_MS) + 2 * VSYNC_MS);
    expect(phaseOf(-10, FRAME_MS)).toBeCloseTo(FRAME_MS - 10);
    expect(circularDiff(FRAME_MS - 5, 5, FRAME_MS)).toBeCloseTo(-10);
    expect(circularDiff(5, FRAME_MS - 5, FRAME_MS)).toBeCloseTo(10);
  });

  it('nudges earlier when the buffer has room, later when it has not, and not at all when aligned', () => {
    const band = troughBand(DEFAULT_EDGE_POLICY, FRAME_S);
    expect(band.minS).toBeCloseTo(FRAME_S + DEFAULT_EDGE_POLICY.marginS);
    const roomy = band.minS + 0.05;
    const early = chooseNudge(20, roomy, FRAME_MS, band)!;
    expect(early.shiftMs).toBeCloseTo(20);
    expect(early.playbackRate).toBeGreaterThan(1);
    expect(early.durationMs * (early.playbackRate - 1)).toBeCloseTo(20);
    // At the controller's target: 20 ms earlier would starve the next frame; a frame minus 20 ms later instead.
    const late = chooseNudge(20, band.minS, FRAME_MS, band)!;
    expect(late.shiftMs).toBeCloseTo(20 - FRAME_MS);
    expect(late.playbackRate).toBeLessThan(1);
    expect(late.durationMs * (1 - late.playbackRate)).toBeCloseTo(FRAME_MS - 20);
    expect(chooseNudge(ALIGN_TOLERANCE_MS / 2, roomy, FRAME_MS, band)).toBeNull();
    // Never past the band (the controller would only undo it).
    for (let lateMs = -33; lateMs <= 33; lateMs += 3) {
      for (let trough = band.minS; trough <= band.maxS; trough += 0.01) {
        const n = chooseNudge(lateMs, trough, FRAME_MS, band);
        if (!n) continue;
        const after = trough - n.shiftMs / 1000;
        expect(after).toBeGreaterThanOrEqual(band.minS - 1e-9);
        expect(after).toBeLessThanOrEqual(band.maxS + 1e-9);
        expect(circularDiff(lateMs - n.shiftMs, 0, FRAME_MS)).toBeCloseTo(0);
      }
    }
  });

  it('keeps the edge controller at normal speed anywhere in the band', () => {
    const band = troughBand(DEFAULT_EDGE_POLICY, FRAME_S);
    const policy = alignedPolicy(DEFAULT_EDGE_POLICY, FRAME_S);
    for (const trough of [band.minS, (band.minS + band.maxS) / 2, band.maxS - 0.001]) {
      const d = decideEdge([[0, 10]], 10 - trough, 1, trough, FRAME_S, policy);
      expect(d.playbackRate).toBe(1);
      expect(d.seekTo).toBeNull();
    }
    // The unchanged policy would catch up in most of it: that is what undid alignment.
    expect(decideEdge([[0, 10]], 10 - band.maxS + 0.001, 1, band.maxS - 0.001, FRAME_S).playbackRate).toBeGreaterThan(1);
  });

  it('reads the phase from the media clock and trusts only samples that agree', () => {
    // Frame 0.2 s is due when currentTime reaches it: at 1000 + 200 - 150 ms on the page clock.
    const phase = wallPhase(1000, 0.15, 200, FRAME_MS);
    expect(circularDiff(phase, 1050, FRAME_MS)).toBeCloseTo(0);
    const target = phase + 5;
    // Five samples, one thrown off by a late task: the median holds.
    expect(medianLateness([phase, phase + 0.1, phase - 0.1, phase + 30, phase], target, FRAME_MS)).toBeCloseTo(-5);
    // Across the period's wrap.
    expect(medianLateness([FRAME_MS - 0.5, 0.5, 0.2, FRAME_MS - 0.2, 0], 0, FRAME_MS)).toBeCloseTo(0);
    // A stall moved the clock between samples: no decision.
    expect(medianLateness([0, 5, 10, 15, 20], 0, FRAME_MS)).toBeNull();
    // The target sits between two vsyncs, never on one.
    expect(slotMiddle(3.3 + 2, 3.3)).toBeCloseTo(3.3 + VSYNC_MS / 2);
    expect(slotMiddle(3.3 + 20, 3.3)).toBeCloseTo(3.3 + VSYNC_MS * 1.5);
  });

  it("measures the display's refresh period from animation frames, and its slots' middles follow it", () => {
    const frames = (n: number, gap: (i: number) => number) => Array.from({ length: n }, (_, i) => i).reduce<number[]>((ts, i) => [...ts, (ts.at(-1) ?? 1000) + gap(i)], []);
    const hz144 = 1000 / 144;
    expect(vsyncFromFrameTimes(frames(33, () => hz144))).toBeCloseTo(hz144);
    expect(vsyncFromFrameTimes(frames(33, () => 20))).toBeCloseTo(20); // 50 Hz
    // A busy page misses a frame now and then: a gap of two or three periods does not count.
    expect(vsyncFromFrameTimes(frames(33, (i) => (i % 3 === 0 ? 3 * hz144 : hz144)))).toBeCloseTo(hz144);
    expect(vsyncFromFrameTimes(frames(33, (i) => (i % 2 ? 1000 / 60 + 0.4 : 1000 / 60 - 0.4)))).toBeCloseTo(1000 / 60 - 0.4); // jitter
    // Too few frames, or no display's rate (a throttled page): not measured, the caller keeps 60 Hz.
    expect(vsyncFromFrameTimes(frames(5, () => hz144))).toBeNull();
    expect(vsyncFromFrameTimes(frames(33, () => 1000))).toBeNull();
    // On a 144 Hz display the target is the middle of a 144 Hz slot.
    expect(slotMiddle(3.3 + 8, 3.3, hz144)).toBeCloseTo(3.3 + hz144 * 1.5);
  });

  it('brings 16 tiles at random phases into one slot within a few rounds, the buffer kept safe', () => {
    // A seeded generator: the same grid every run.
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const band = troughBand(DEFAULT_EDGE_POLICY, FRAME_S);
    const vsyncAt = 3.3; // the page's vsyncs are at 3.3 + k·16.67 ms
    // Each tile: the page time its media time 0 is due at, its frames' timestamp grid, its lag's trough.
    const tiles = Array.from({ length: 16 }, () => ({ zeroMs: 5000 * rand(), ptsMs: rand() * FRAME_MS + 1000 * FRAME_MS, troughS: band.minS + rand() * 0.02 }));
    const dueSlot = (t: (typeof tiles)[number]) => Math.floor(circularDiff(t.zeroMs + t.ptsMs, vsyncAt, FRAME_MS) / VSYNC_MS + 8) % 4;
    expect(new Set(tiles.map(dueSlot)).size).toBeGreaterThan(1); // scattered to begin with
    const targets = new PhaseTargets();
    let now = 10_000;
    let rounds = 0;
    for (; rounds < 8; rounds++) {
      let nudged = 0;
      for (const t of tiles) {
        // Five samples of currentTime a tick apart, read with a little jitter.
        const samples = [0, 1, 2, 3, 4].map((k) => {
          const at = now + k * 200;
          return wallPhase(at, (at - t.zeroMs + (rand() - 0.5) * 0.2) / 1000, t.ptsMs, FRAME_MS);
        });
        const first = medianLateness(samples, samples[0], FRAME_MS)!;
        const target = targets.targetFor(FRAME_MS, phaseOf(slotMiddle(samples[0] + first, vsyncAt), FRAME_MS));
        const late = medianLateness(samples, target, FRAME_MS);
        expect(late).not.toBeNull();
        const n = chooseNudge(late!, t.troughS, FRAME_MS, band);
        if (!n) continue;
        nudged++;
        // Played at 1 ± ε for the nudge's duration: its frames are due ε·duration earlier (later).
        const moved = (n.playbackRate - 1) * n.durationMs;
        t.zeroMs -= moved;
        t.troughS -= moved / 1000;
        expect(t.troughS).toBeGreaterThanOrEqual(band.minS - 1e-9);
        expect(t.troughS).toBeLessThanOrEqual(band.maxS + 1e-9);
      }
      now += 2000;
      if (!nudged) break;
    }
    expect(rounds).toBeLessThanOrEqual(2);
    expect(new Set(tiles.map(dueSlot)).size).toBe(1);
    // ...and each tile's frames are due in the middle between two vsyncs, not on an edge.
    for (const t of tiles) {
      const intoVsync = phaseOf(circularDiff(t.zeroMs + t.ptsMs, vsyncAt, FRAME_MS), VSYNC_MS);
      expect(Math.abs(intoVsync - VSYNC_MS / 2)).toBeLessThan(ALIGN_TOLERANCE_MS + 0.5);
    }
  });
});
