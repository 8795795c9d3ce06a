/**
 * Password hashing (scrypt, self-describing, constant-time compare, never
 * throws on a damaged hash) and the password rules.
 */
import { describe, expect, it } from 'vitest';
import {
  commonPasswordSource,
  DEFAULT_PASSWORD_COST,
  dummyHash,
  hashPassword,
  needsRehash,
  passwordProblem,
  verifyPassword,
} from '../../main/engine/users/passwords.ts';
import { FALLBACK_COMMON_PASSWORDS } from '../../main/engine/users/common-passwords.ts';
import { CHEAP, GOOD_PASSWORD } from './harness.ts';

describe('password hashes', () => {
  it('verifies the right password and refuses others', async () => {
    const hash = await hashPassword(GOOD_PASSWORD, CHEAP);
    expect(await verifyPassword(GOOD_PASSWORD, hash)).toBe(true);
    expect(await verifyPassword(GOOD_PASSWORD + 'x', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('describes itself and salts every hash', async () => {
    const a = await hashPassword(GOOD_PASSWORD, CHEAP);
    const b = await hashPassword(GOOD_PASSWORD, CHEAP);
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain(GOOD_PASSWORD);
  });

  it('verifies a hash made with other parameters, and says it needs re-hashing', async () => {
    const old = await hashPassword(GOOD_PASSWORD, { N: 2 ** 11, r: 4, p: 1 });
    expect(await verifyPassword(GOOD_PASSWORD, old)).toBe(true);
    expect(needsRehash(old, CHEAP)).toBe(true);
    expect(needsRehash(await hashPassword(GOOD_PASSWORD, CHEAP), CHEAP)).toBe(false);
  });

  it('treats Unicode forms alike (NFC)', async () => {
    const hash = await hashPassword('caf\u00e9-lantern-harbour', CHEAP);
    expect(await verifyPassword('cafe\u0301-lantern-harbour', hash)).toBe(true);
  });

  it('never matches, never throws on a damaged or foreign stored hash', async () => {
    for (const bad of ['', 'plain', 'scrypt$x$8$1$aaaa$bbbb', 'scrypt$1000$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'scrypt$1073741824$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', '$2b$10$abcdefghijklmnopqrstuu']) {
      expect(await verifyPassword(GOOD_PASSWORD, bad), bad).toBe(false);
    }
    expect(await verifyPassword(GOOD_PASSWORD, dummyHash(CHEAP))).toBe(false);
  });

  it('never blocks the event loop, and runs at most two hashes at once without losing any', async () => {
    let ticks = 0;
    let hashing = true;
    const tick = () => {
      ticks++;
      if (hashing) setImmediate(tick);
    };
    setImmediate(tick);
    const hashes = await Promise.all(Array.from({ length: 5 }, (_, i) => hashPassword(`${GOOD_PASSWORD}-${i}`)));
    hashing = false;
    // The loop kept turning while the thread pool hashed.
    expect(ticks).toBeGreaterThan(5);
    expect(await Promise.all(hashes.map((h, i) => verifyPassword(`${GOOD_PASSWORD}-${i}`, h)))).toEqual([true, true, true, true, true]);
  });

  it('measures the login hash at the default cost (printed, not asserted)', async () => {
    await hashPassword(GOOD_PASSWORD); // warm up
    const times: number[] = [];
    let hash = '';
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      hash = await hashPassword(GOOD_PASSWORD);
      times.push(performance.now() - t);
    }
    const t = performance.now();
    expect(await verifyPassword(GOOD_PASSWORD, hash)).toBe(true);
    times.push(performance.now() - t);
    console.log(`scrypt N=${DEFAULT_PASSWORD_COST.N} r=${DEFAULT_PASSWORD_COST.r} p=${DEFAULT_PASSWORD_COST.p}: ${times.map((x) => x.toFixed(0)).join(', ')} ms (3 hashes, 1 verify)`);
  });
});

describe('password rules', () => {
  it('asks for the minimum length', () => {
    expect(passwordProblem('short-1', 'anna')).toMatch(/at least 10 characters/);
    expect(passwordProblem(GOOD_PASSWORD, 'anna')).toBeNull();
  });

  it('refuses the username, also with digits or symbols around it', () => {
    expect(passwordProblem('AnnaMariaX', 'annamariax')).toMatch(/username/);
    expect(passwordProblem('anna.maria2024!', 'anna.maria')).toMatch(/username/);
    expect(passwordProblem('annas-own-garden-path', 'anna')).toBeNull();
  });

  it('refuses the commonest passwords, in any case and with digits around them', () => {
    for (const p of ['qwertyuiop', '1234567890', 'Password123', 'PASSWORD2024!!', '!!iloveyou2025', 'aaaaaaaaaaaa', 'ababababababab']) {
      expect(passwordProblem(p, 'anna'), p).not.toBeNull();
    }
    // Every entry of the built-in list long enough to pass the length rule is refused.
    for (const p of FALLBACK_COMMON_PASSWORDS.filter((w) => w.length >= 10)) expect(passwordProblem(p, 'anna'), p).not.toBeNull();
    expect(['@zxcvbn-ts/language-common', 'built-in list']).toContain(commonPasswordSource());
  });
});
