// How often a live player touches the page: every frame when few players
// share it, bursts now and then in a grid of many; one timer for all players.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FEW_PLAYERS, FRAME_BURST, FRAME_BURST_EVERY_MS, followEveryFrame } from '../../renderer/src/live/cadence.ts';
import { SharedTicker } from '../../renderer/src/live/shared-ticker.ts';
import { FrameClock } from '../../renderer/src/live/live-edge.ts';

describe('cadence', () => {
  it('follows every frame for a maximised camera and a 2×2 grid, not for a 3×3 or 4×4 grid', () => {
    expect(followEveryFrame(1)).toBe(true);
    expect(followEveryFrame(4)).toBe(true);
    expect(followEveryFrame(FEW_PLAYERS + 1)).toBe(false);
    expect(followEveryFrame(9)).toBe(false);
    expect(followEveryFrame(16)).toBe(false);
  });

  it('asks for a burst long enough to learn a frame duration', () => {
    // FrameClock needs three deltas, i.e. four consecutive frames, before it trusts what it learnt.
    const clock = new FrameClock(0.5);
    for (let i = 0; i < FRAME_BURST; i++) clock.add(10 + i / 25);
    expect(clock.seconds).toBeCloseTo(1 / 25);
    expect(FRAME_BURST_EVERY_MS).toBeGreaterThan(1000);
  });
});

describe('shared ticker', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs one timer for all subscribers, only while there are any', () => {
    let started = 0;
    let cleared = 0;
    const fns = new Map<number, () => void>();
    const timers = {
      setInterval: (fn: () => void) => {
        started++;
        fns.set(started, fn);
        return started;
      },
      clearInterval: (h: unknown) => {
        cleared++;
        fns.delete(h as number);
      },
    };
    const ticker = new SharedTicker(200, timers);
    const calls: string[] = [];
    const offA = ticker.add(() => calls.push('a'));
    const offB = ticker.add(() => calls.push('b'));
    expect(started).toBe(1);
    fns.get(1)!();
    expect(calls).toEqual(['a', 'b']);
    offA();
    fns.get(1)!();
    expect(calls).toEqual(['a', 'b', 'b']);
    expect(cleared).toBe(0);
    offB();
    expect(cleared).toBe(1);
    expect(ticker.size).toBe(0);
    ticker.add(() => calls.push('c'));
    expect(started).toBe(2);
  });

  it('ticks at its period, and a throwing subscriber does not stop the others', () => {
    vi.useFakeTimers();
    const errors: unknown[] = [];
    const ticker = new SharedTicker(200, undefined, (err) => errors.push(err));
    let ticks = 0;
    ticker.add(() => {
      throw new Error('boom');
    });
    ticker.add(() => ticks++);
    vi.advanceTimersByTime(1000);
    expect(ticks).toBe(5);
    expect(errors).toHaveLength(5);
  });
});
