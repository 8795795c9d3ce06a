// The pure parts of the live UI: the player's live-edge policy, grid layouts
// and ordering, and what a tile says about its camera.
import { describe, expect, it } from 'vitest';
import { decideEdge, DEFAULT_EDGE_POLICY as P, FrameClock, TroughTracker } from '../../renderer/src/live/live-edge.ts';
import { takeBatch } from '../../renderer/src/live/append-batch.ts';
import { capacity, moveFocus, moveTo, orderedIds, pageCount, pageHolding, pageOf, readLayout, readOrder, STORAGE_KEYS } from '../../renderer/src/pages/live/layout.ts';
import { tileState, tileText } from '../../renderer/src/pages/live/tile-state.ts';
import type { Camera } from '../../preload/api.ts';

describe('live edge', () => {
  // The lag is a saw tooth (a fragment every 250 ms); the policy steers its trough
  // towards one frame plus a margin.
  const F = 1 / 15;
  const want = F + P.marginS;

  it('plays at normal speed while the trough is about one frame plus the margin', () => {
    expect(decideEdge([[0, 10]], 9.75, 1, want, F)).toMatchObject({ seekTo: null, playbackRate: 1 });
    expect(decideEdge([[0, 10]], 9.7, 1, want + P.catchUpAboveS / 2, F)).toMatchObject({ playbackRate: 1 });
  });

  it('catches up while the trough is larger than needed, faster when much larger, and stops at the target', () => {
    const trough = want + P.catchUpAboveS + 0.05;
    expect(decideEdge([[0, 10]], 10 - trough - 0.1, 1, trough, F).playbackRate).toBe(P.catchUpRate);
    const big = want + P.fastAboveS + 0.1;
    expect(decideEdge([[0, 10]], 10 - big, 1, big, F).playbackRate).toBe(P.fastRate);
    // Hysteresis: between the target and the catch-up threshold, a player already catching up goes on.
    const between = want + P.catchUpAboveS / 2;
    expect(decideEdge([[0, 10]], 9.5, P.catchUpRate, between, F).playbackRate).toBe(P.catchUpRate);
    expect(decideEdge([[0, 10]], 9.5, 1, between, F).playbackRate).toBe(1);
    expect(decideEdge([[0, 10]], 9.5, P.catchUpRate, want - 0.01, F).playbackRate).toBe(1);
  });

  it('keeps a longer margin for a slower frame rate', () => {
    // 0.2 s of trough is plenty at 15 fps but less than a frame plus margin at 4 fps.
    expect(decideEdge([[0, 10]], 9.6, 1, 0.2, F).playbackRate).toBe(P.catchUpRate);
    expect(decideEdge([[0, 10]], 9.6, 1, 0.2, 1 / 4).playbackRate).toBe(1);
  });

  it('never speeds up on a large instantaneous lag alone (just after a fragment landed)', () => {
    expect(decideEdge([[0, 10]], 9.7, 1, 0.02, F).playbackRate).toBe(1);
  });

  it('jumps when far behind', () => {
    const d = decideEdge([[0, 20]], 20 - P.jumpLagS - 1, 1, P.jumpLagS + 1, F);
    expect(d.seekTo).toBeCloseTo(20 - Math.max(P.landingLagS, want));
    expect(d.playbackRate).toBe(1);
  });

  it('jumps out of a hole or an older run to the newest media', () => {
    const back = Math.max(P.landingLagS, want);
    // Skipped ahead by the server: a gap between the ranges.
    expect(decideEdge([[0, 5], [7, 8]], 5.02, 1, 0, F).seekTo).toBeCloseTo(8 - back);
    // A camera reconnect restarted the timeline near 0 while the play head is at 100.
    expect(decideEdge([[0.1, 0.5]], 100, 1, 0, F).seekTo).toBeCloseTo(0.5 - back);
    // Never before the start of the newest range.
    expect(decideEdge([[0, 5], [7, 7.05]], 2, 1, 0, F).seekTo).toBe(7);
  });

  it('trims what is far behind the play head', () => {
    expect(decideEdge([[0, 30]], 29.8, 1, 0.1, F).trimBefore).toBeCloseTo(29.8 - P.trimKeepS);
    expect(decideEdge([[20, 30]], 29.8, 1, 0.1, F).trimBefore).toBeNull();
  });

  it('does nothing without media', () => {
    expect(decideEdge([], 3, 1.1, 0, F)).toEqual({ seekTo: null, playbackRate: 1, trimBefore: null, lag: 0 });
  });

  it('tracks the trough over a sliding window', () => {
    const t = new TroughTracker(1000);
    expect(t.add(0, 0.3)).toBe(0.3);
    expect(t.add(200, 0.05)).toBe(0.05);
    expect(t.add(900, 0.28)).toBe(0.05);
    expect(t.add(1300, 0.2)).toBe(0.2); // the 0.05 sample left the window
    t.reset();
    expect(t.add(1400, 0.4)).toBe(0.4);
  });

  it('learns the frame duration from presented media times, ignoring seeks', () => {
    const c = new FrameClock(0.1);
    expect(c.seconds).toBe(0.1); // nothing seen yet
    for (let i = 0; i < 10; i++) c.add(i * 0.04);
    expect(c.seconds).toBeCloseTo(0.04);
    c.reset();
    c.add(50); // a jump: no 50 s "frame"
    c.add(50.04);
    expect(c.seconds).toBeCloseTo(0.04);
  });
});

describe('append batches', () => {
  const chunk = (...bytes: number[]) => new Uint8Array(bytes).buffer;

  it('joins the queued fragments, in order, into one append', () => {
    const { data, taken } = takeBatch([chunk(1, 2), chunk(3), chunk(4, 5, 6)], 1024);
    expect(taken).toBe(3);
    expect([...new Uint8Array(data)]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('stops before the batch would exceed the limit, but always takes the first', () => {
    const queue = [chunk(1, 2, 3), chunk(4, 5), chunk(6, 7)];
    const first = takeBatch(queue, 5);
    expect(first.taken).toBe(2);
    expect([...new Uint8Array(first.data)]).toEqual([1, 2, 3, 4, 5]);
    const big = takeBatch([chunk(1, 2, 3, 4, 5, 6), chunk(7)], 4);
    expect(big.taken).toBe(1);
    expect(big.data.byteLength).toBe(6);
  });

  it('hands a lone fragment over as it is (no copy)', () => {
    const only = chunk(9, 9);
    expect(takeBatch([only], 1024)).toEqual({ data: only, taken: 1 });
  });
});

describe('grid layout', () => {
  it('orders cameras by the remembered order, new ones last, removed ones dropped', () => {
    expect(orderedIds([1, 2, 3, 4], [3, 9, 1])).toEqual([3, 1, 2, 4]);
    expect(orderedIds([5, 2], [])).toEqual([2, 5]);
    expect(orderedIds([1, 2], [2, 2, 1])).toEqual([2, 1]);
  });

  it('moves a dragged camera into the place of the one it is dropped on', () => {
    expect(moveTo([1, 2, 3, 4], 4, 2)).toEqual([1, 4, 2, 3]);
    expect(moveTo([1, 2, 3, 4], 1, 3)).toEqual([2, 3, 1, 4]);
    expect(moveTo([1, 2, 3], 7, 2)).toEqual([1, 2, 3]);
  });

  it('pages cameras by the layout', () => {
    const order = Array.from({ length: 10 }, (_, i) => i + 1);
    expect(capacity('3x3')).toBe(9);
    expect(pageCount(10, '3x3')).toBe(2);
    expect(pageCount(0, '2x2')).toBe(1);
    expect(pageOf(order, '2x2', 2)).toEqual([9, 10]);
    expect(pageOf(order, '2x2', 99)).toEqual([9, 10]);
    expect(pageHolding(order, '2x2', 6)).toBe(1);
  });

  it('moves the focus with the arrow keys inside the grid', () => {
    expect(moveFocus(0, 'ArrowRight', 9, 3)).toBe(1);
    expect(moveFocus(1, 'ArrowDown', 9, 3)).toBe(4);
    expect(moveFocus(7, 'ArrowDown', 9, 3)).toBe(7);
    expect(moveFocus(0, 'ArrowLeft', 9, 3)).toBe(0);
    expect(moveFocus(4, 'ArrowDown', 6, 3)).toBe(4); // no tile below
  });

  it('reads only valid remembered values', () => {
    const store = (v: Record<string, string>) => ({ getItem: (k: string) => v[k] ?? null, setItem() {} });
    expect(readLayout(store({ [STORAGE_KEYS.layout]: '3x3' }))).toBe('3x3');
    expect(readLayout(store({ [STORAGE_KEYS.layout]: '5x5' }))).toBe('2x2');
    expect(readOrder(store({ [STORAGE_KEYS.order]: '[3,"x",-1,2.5,4]' }))).toEqual([3, 4]);
    expect(readOrder(store({ [STORAGE_KEYS.order]: '{bad' }))).toEqual([]);
    expect(readLayout(null)).toBe('2x2');
  });
});

describe('tile state', () => {
  const camera = (status: Partial<Camera['status']>, enabled = true) =>
    ({ id: 1, name: 'Porch', enabled, status: { state: 'recording', since: 0, lastError: null, retryAt: null, ...status } }) as Camera;

  it('says live when frames move, whatever the recorder says', () => {
    expect(tileState(camera({ state: 'offline' }), 'live')).toBe('live');
  });

  it('says offline (since when, why) when the camera is offline', () => {
    const now = Date.UTC(2026, 10, 25, 12, 0, 0);
    const cam = camera({ state: 'offline', since: now - 3 * 60_000, lastError: 'Connection refused', retryAt: now + 4000 });
    expect(tileState(cam, 'offline')).toBe('offline');
    const text = tileText('offline', cam, now);
    expect(text.chip).toMatch(/^Offline since .* · 3 min$/);
    expect(text.detail).toContain('Connection refused');
    expect(text.detail).toContain('retrying in 4 s');
  });

  it('distinguishes connecting, reconnecting, disabled and unplayable', () => {
    expect(tileState(camera({ state: 'connecting' }), 'connecting')).toBe('connecting');
    expect(tileState(camera({ state: 'connecting' }), 'offline')).toBe('connecting');
    expect(tileState(camera({ state: 'recording' }), 'reconnecting')).toBe('reconnecting');
    expect(tileState(camera({ state: 'recording' }), 'stalled')).toBe('reconnecting');
    expect(tileState(camera({ state: 'recording' }, false), 'live')).toBe('disabled');
    expect(tileState(camera({ state: 'recording' }), 'unsupported')).toBe('unsupported');
  });
});
