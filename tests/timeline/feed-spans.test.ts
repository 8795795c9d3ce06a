// The playback feed's bookkeeping of what it has appended and what it skips
// (renderer/src/timeline/player/feed-spans.ts): the first moment
// of a wanted stretch that is neither appended nor a skipped damaged GOP.
import { describe, expect, it } from 'vitest';
import { firstGap } from '../../renderer/src/timeline/player/feed-spans.ts';

describe('firstGap', () => {
  it('is the start when nothing covers it, null when the stretch is covered', () => {
    expect(firstGap([], 1000, 5000)).toBe(1000);
    expect(firstGap([{ from: 0, to: 6000 }], 1000, 5000)).toBeNull();
    expect(firstGap([{ from: 0, to: Infinity }], 1000, 5000)).toBeNull();
  });

  it('walks across appended ranges and skipped GOPs that touch, in any order', () => {
    // appended [0, 4000), a damaged GOP skipped [4000, 5000), appended [5000, 9000)
    const spans = [{ from: 5000, to: 9000 }, { from: 0, to: 4000 }, { from: 4000, to: 5000 }];
    expect(firstGap(spans, 1000, 8000)).toBeNull();
    expect(firstGap(spans, 1000, 12_000)).toBe(9000);
  });

  it('stops at the first hole, also one that starts after a skipped GOP', () => {
    expect(firstGap([{ from: 0, to: 4000 }, { from: 4000, to: 5000 }], 0, 8000)).toBe(5000);
    expect(firstGap([{ from: 0, to: 4000 }, { from: 6000, to: 9000 }], 0, 8000)).toBe(4000);
    // Inside a skipped GOP, the gap is where it ends.
    expect(firstGap([{ from: 4000, to: 5000 }], 4200, 8000)).toBe(5000);
  });

  it('tolerates a millisecond of rounding between ranges', () => {
    expect(firstGap([{ from: 0, to: 3999.6 }, { from: 4000.4, to: 8000 }], 0, 8000)).toBeNull();
  });
});
