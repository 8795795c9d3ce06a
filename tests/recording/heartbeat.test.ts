/**
 * The recorders' shared heartbeat (main/engine/recording/heartbeat.ts): one
 * timer for any number of recorders; each is beaten once per slow beat, a watched
 * one every 100 ms; nothing is pending once the last recorder leaves.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../main/engine/clock.ts';
import { Heartbeat, slowBeatMs, type Beating } from '../../main/engine/recording/heartbeat.ts';

function member(fast = false): Beating & { beats: number; isFast: boolean } {
  const m = { beats: 0, isFast: fast, beat: () => void m.beats++, fast: () => m.isFast };
  return m;
}

describe('the recorders’ heartbeat', () => {
  it('beats 16 recorders once a second on one timer', () => {
    const clock = new ManualClock(1_000_000);
    const heart = new Heartbeat(clock);
    const members = Array.from({ length: 16 }, () => member());
    for (const m of members) heart.add(m);
    expect(clock.pending).toBe(1);
    clock.advance(10_000);
    for (const m of members) expect(m.beats).toBe(10);
    expect(clock.pending).toBe(1);
  });

  it('beats a watched recorder every 100 ms and the others still once a second', () => {
    const clock = new ManualClock(0);
    const heart = new Heartbeat(clock);
    const idle = member();
    const watched = member();
    heart.add(idle);
    heart.add(watched);
    clock.advance(1000);
    expect([idle.beats, watched.beats]).toEqual([1, 1]);
    watched.isFast = true;
    heart.quicken();
    clock.advance(2000);
    expect(watched.beats).toBe(21);
    expect(idle.beats).toBe(3);
    // Nobody watches any more: back to one beat a second.
    watched.isFast = false;
    clock.advance(3000);
    expect(watched.beats).toBeLessThanOrEqual(25);
    expect(idle.beats).toBe(6);
  });

  it('beats every 2 s with the product stall timeout, still five times in a stall window', () => {
    expect(slowBeatMs(10_000)).toBe(2000);
    expect(slowBeatMs(4000)).toBe(800);
    expect(slowBeatMs(100)).toBe(200);
    const clock = new ManualClock(0);
    const heart = new Heartbeat(clock, slowBeatMs(10_000));
    const members = Array.from({ length: 16 }, () => member());
    for (const m of members) heart.add(m);
    clock.advance(10_000);
    for (const m of members) expect(m.beats).toBe(5);
    // A watched recorder still gets the fast beat; the others stay on the slow one.
    members[0].isFast = true;
    heart.quicken();
    clock.advance(2000);
    expect(members[0].beats).toBe(25);
    expect(members[1].beats).toBe(6);
  });

  it('stops its timer when the last recorder leaves', () => {
    const clock = new ManualClock(0);
    const heart = new Heartbeat(clock);
    const a = member();
    const b = member();
    heart.add(a);
    heart.add(b);
    heart.remove(a);
    expect(clock.pending).toBe(1);
    heart.remove(b);
    expect(clock.pending).toBe(0);
    clock.advance(5000);
    expect(a.beats + b.beats).toBe(0);
  });
});
