/**
 * The login slow-down: free for a few failures, then exponential, capped per
 * account (no lock-out of the owner) and per address, decaying over time,
 * forgiven by success only for that account from that address, parallel
 * attempts escalate, memory bounded.
 */
import { describe, expect, it } from 'vitest';
import { LoginThrottle } from '../../main/engine/users/login-throttle.ts';

function throttle(extra: Partial<ConstructorParameters<typeof LoginThrottle>[0]> = {}) {
  let t = 1_000_000;
  const th = new LoginThrottle({ now: () => t, ...extra });
  return { th, advance: (ms: number) => (t += ms) };
}

/** n failed attempts of `user` from `address`, one after the other; the waits they got. */
function fail(th: LoginThrottle, user: string, address: string, n: number): number[] {
  const waits: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = th.begin(user, address);
    waits.push(a.delayMs);
    a.done(false);
  }
  return waits;
}

describe('login throttle', () => {
  it('is free for three failures, then doubles from 250 ms up to the per-account cap of 2 s', () => {
    const { th } = throttle();
    expect(fail(th, 'owner', '10.0.0.1', 8)).toEqual([0, 0, 0, 250, 500, 1000, 2000, 2000]);
  });

  it('never locks the owner out: from another address the wait stays at the account cap', () => {
    const { th } = throttle();
    // An attacker spreads 200 guesses over many addresses.
    for (let i = 0; i < 200; i++) fail(th, 'owner', `10.1.${i >> 8}.${i & 255}`, 1);
    expect(th.delayMs('owner', '192.168.1.20')).toBe(2000);
    const attempt = th.begin('Owner', '192.168.1.20');
    expect(attempt.admitted).toBe(true);
    expect(attempt.delayMs).toBe(2000);
  });

  it('slows an address down across accounts, up to 10 s', () => {
    const { th } = throttle();
    const waits = fail(th, 'x', '10.0.0.9', 0);
    for (let i = 0; i < 20; i++) waits.push(...fail(th, `user${i}`, '10.0.0.9', 1));
    expect(waits.slice(0, 10)).toEqual(Array(10).fill(0));
    expect(waits.slice(10, 16)).toEqual([250, 500, 1000, 2000, 4000, 8000]);
    expect(waits.slice(16)).toEqual([10000, 10000, 10000, 10000]);
    // Another address is not affected.
    expect(th.delayMs('user99', '10.0.0.10')).toBe(0);
  });

  it('treats names without regard to case', () => {
    const { th } = throttle();
    fail(th, 'Anna', '10.0.0.1', 2);
    fail(th, 'ANNA', '10.0.0.2', 2);
    // Four failures of one account from two addresses: the fifth attempt waits 500 ms.
    expect(th.delayMs('anna', '10.0.0.3')).toBe(500);
  });

  it('decays: failures halve every five minutes', () => {
    const { th, advance } = throttle();
    fail(th, 'anna', '10.0.0.1', 6);
    expect(th.delayMs('anna', '10.0.0.1')).toBe(2000);
    advance(5 * 60_000); // 6 → 3
    expect(th.delayMs('anna', '10.0.0.1')).toBe(250);
    advance(5 * 60_000); // → 1.5
    expect(th.delayMs('anna', '10.0.0.1')).toBe(0);
  });

  it("success forgives that account's failures from that address, not an attack on another account", () => {
    const { th } = throttle();
    fail(th, 'anna', '10.0.0.1', 3);
    fail(th, 'owner', '10.0.0.1', 12);
    // 15 failures from the address: 8 s.
    expect(th.delayMs('owner', '10.0.0.1')).toBe(8000);
    const ok = th.begin('anna', '10.0.0.1');
    ok.done(true);
    expect(th.delayMs('anna', '10.0.0.7')).toBe(0);
    // The attacker logging in to its own account does not reset its attack on the owner.
    // 12 against the owner remain (account cap 2 s; the address's 12 failures: 1 s).
    expect(th.delayMs('owner', '10.0.0.1')).toBe(2000);
    expect(th.delayMs('bob', '10.0.0.1')).toBe(1000);
  });

  it('counts attempts in flight, so a parallel burst escalates, and admits only a few at once per address', () => {
    const { th } = throttle();
    const burst = Array.from({ length: 8 }, () => th.begin('owner', '10.0.0.1'));
    expect(burst.map((a) => a.admitted)).toEqual([true, true, true, true, false, false, false, false]);
    expect(burst.slice(0, 4).map((a) => a.delayMs)).toEqual([0, 0, 0, 250]);
    // Refused ones wait the address cap before the (same) answer.
    expect(burst[4].delayMs).toBe(10_000);
    for (const a of burst) a.done(false);
    expect(th.begin('owner', '10.0.0.2').admitted).toBe(true);
  });

  it('keeps its memory bounded, dropping the least recently used', () => {
    const { th } = throttle({ maxEntries: 100 });
    for (let i = 0; i < 1000; i++) fail(th, `name${i}`, `10.0.${i >> 8}.${i & 255}`, 1);
    expect(th.size).toEqual({ accounts: 100, addresses: 100, pairs: 100 });
  });
});
