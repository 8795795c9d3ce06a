// Axis labels in the viewer's zone, across daylight-saving changes.
import { describe, expect, it } from 'vitest';
import { axisTicks, zonedToUtc, localParts, fromDateTimeLocalValue, toDateTimeLocalValue, chooseStep } from '../../renderer/src/timeline/time-axis.ts';

const H = 3_600_000;
const london = { timeZone: 'Europe/London', locale: 'en-GB' };

describe('axis ticks across DST', () => {
  it('spring forward in London: no 01:00 tick, hours stay one real hour apart', () => {
    // 29 Mar 2026: 01:00 GMT becomes 02:00 BST (at 01:00 UTC).
    const from = Date.UTC(2026, 2, 29, 0, 0);
    const ticks = axisTicks(from - 1, from + 4 * H, 400, { ...london, minSpacingPx: 90 });
    expect(ticks.map((t) => t.label)).toEqual(['Sun 29 Mar', '02:00', '03:00', '04:00']);
    const gaps = ticks.slice(1).map((t, i) => t.at - ticks[i].at);
    expect(gaps).toEqual([H, H, H]);
    expect(ticks[0].major).toBe(true);
  });

  it('fall back in London: 01:00 twice, told apart by zone name', () => {
    // 25 Oct 2026: 02:00 BST becomes 01:00 GMT (at 01:00 UTC).
    const from = Date.UTC(2026, 9, 24, 23, 0); // local midnight BST
    const ticks = axisTicks(from, from + 4 * H, 400, { ...london, minSpacingPx: 90 });
    expect(ticks.map((t) => t.label)).toEqual(['Sun 25 Oct', '01:00 BST', '01:00 GMT', '02:00']);
    expect(ticks.map((t) => t.at - from)).toEqual([0, H, 2 * H, 3 * H]);
  });

  it('day ticks sit on local midnights (a 23-hour and a 25-hour day)', () => {
    const from = Date.UTC(2026, 2, 27, 12);
    const ticks = axisTicks(from, from + 4 * 24 * H, 400, { ...london, minSpacingPx: 90 });
    const midnights = ticks.map((t) => localParts(t.at, 'Europe/London'));
    for (const p of midnights) expect([p.hour, p.minute]).toEqual([0, 0]);
    const lengths = ticks.slice(1).map((t, i) => (t.at - ticks[i].at) / H);
    expect(lengths).toContain(23); // 29 March is 23 hours long
    const autumn = axisTicks(Date.UTC(2026, 9, 23, 12), Date.UTC(2026, 9, 27, 12), 400, { ...london, minSpacingPx: 90 });
    expect(autumn.slice(1).map((t, i) => (t.at - autumn[i].at) / H)).toContain(25);
  });

  it('half- and quarter-hour zones get ticks on their own round times', () => {
    const from = Date.UTC(2026, 0, 1, 0, 0);
    for (const timeZone of ['Asia/Kolkata', 'Asia/Kathmandu']) {
      const ticks = axisTicks(from, from + 6 * H, 600, { timeZone, minSpacingPx: 90 });
      expect(ticks.length).toBeGreaterThan(3);
      for (const t of ticks) expect(localParts(t.at, timeZone).minute % 30).toBe(0);
    }
  });

  it('picks finer steps as the window narrows', () => {
    expect(chooseStep(0, 60_000, 1000)).toBe(10_000); // one minute wide: 10 s labels, 166 px apart
    expect(chooseStep(0, 28 * 24 * H, 1000)).toBeGreaterThanOrEqual(2 * 24 * H); // four weeks wide
  });
});

describe('wall time <-> UTC', () => {
  it('round-trips ordinary times and maps skipped times forward', () => {
    expect(zonedToUtc(2026, 7, 1, 12, 0, 0, 'Europe/London')).toBe(Date.UTC(2026, 6, 1, 11, 0));
    expect(zonedToUtc(2026, 1, 15, 12, 0, 0, 'America/New_York')).toBe(Date.UTC(2026, 0, 15, 17, 0));
    // 01:30 does not exist in London on 29 Mar 2026: the clock jumped at 01:00 UTC.
    expect(zonedToUtc(2026, 3, 29, 1, 30, 0, 'Europe/London')).toBe(Date.UTC(2026, 2, 29, 1, 0));
    // 01:30 happens twice on 25 Oct 2026: the first (BST) one.
    expect(zonedToUtc(2026, 10, 25, 1, 30, 0, 'Europe/London')).toBe(Date.UTC(2026, 9, 25, 0, 30));
    const t = Date.UTC(2026, 9, 25, 3, 30, 15);
    expect(toDateTimeLocalValue(t, 'Europe/Berlin')).toBe('2026-10-25T04:30:15');
    expect(fromDateTimeLocalValue(toDateTimeLocalValue(t, 'Europe/Berlin'), 'Europe/Berlin')).toBe(t);
    expect(fromDateTimeLocalValue('2026-07-01T12:00:05.250', 'UTC')).toBe(Date.UTC(2026, 6, 1, 12, 0, 5, 250));
    expect(fromDateTimeLocalValue('nonsense', 'UTC')).toBeNull();
  });
});
