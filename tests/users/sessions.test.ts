/**
 * Setup, login and sessions: the setup code works once; unknown user, no
 * password and wrong password get the same answer; failures slow down;
 * sessions expire when idle and at their absolute expiry, end on logout and
 * on a password change (except the current one), survive a restart, and are
 * stored only as hashes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { databaseOf } from '../../main/engine/storage/store.ts';
import { ApiFailure } from '../../main/engine/errors.ts';
import { DEFAULT_SESSION_IDLE_MS, DEFAULT_SESSION_MAX_MS } from '../../main/engine/users/sessions.ts';
import { GOOD_PASSWORD, META, harness, settle, type Harness } from './harness.ts';
import { waitFor } from '../helpers/wait.ts';

let h: Harness;
afterEach(() => h?.close());

const WRONG = { code: 'unauthorized', message: 'wrong username or password' };
const DAY = 24 * 3600_000;

async function withViewer(): Promise<number> {
  const user = await h.users.create({ username: 'Anna', password: GOOD_PASSWORD, role: 'viewer', cameras: [] }, h.owner);
  return user.id;
}

describe('first-run setup', () => {
  it('works once, with the code, and starts a session', async () => {
    h = harness();
    expect(h.users.setupState()).toEqual({ needed: true, username: 'owner' });
    const code = h.users.setupCode()!;
    expect(code).toMatch(/^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$/);

    await expect(h.users.completeSetup({ code: 'AAAA-BBBB-CCCC', username: 'boss', password: GOOD_PASSWORD }, META)).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(h.users.completeSetup({ code, username: 'boss', password: 'password123' }, META)).rejects.toMatchObject({ code: 'invalid_input' });
    // Case, spaces and dashes do not matter.
    const result = await h.users.completeSetup({ code: ` ${code.toLowerCase().replaceAll('-', ' ')} `, username: 'boss', password: GOOD_PASSWORD }, META);
    expect(result.user).toMatchObject({ id: 1, username: 'boss', role: 'admin', owner: true, hasPassword: true });
    expect(h.users.authenticateSession(result.session.secret, META.address)).toMatchObject({ userId: 1, via: 'session', owner: true });
    expect(h.users.setupState()).toEqual({ needed: false, username: 'boss' });
    expect(h.users.setupCode()).toBeNull();

    // Never again, not even with the right code.
    await expect(h.users.completeSetup({ code, username: 'mallory', password: GOOD_PASSWORD }, META)).rejects.toMatchObject({ code: 'conflict' });
    expect(h.users.get(1).username).toBe('boss');
    // And not after a restart either.
    expect(h.restart().setupCode()).toBeNull();
    expect((await h.users.login({ username: 'BOSS', password: GOOD_PASSWORD }, META)).user.id).toBe(1);
  });

  it('slows down wrong codes like logins', async () => {
    h = harness();
    const code = h.users.setupCode()!;
    for (let i = 0; i < 3; i++) {
      await expect(h.users.completeSetup({ code: 'AAAA-AAAA-AAAA', username: 'boss', password: GOOD_PASSWORD }, META)).rejects.toMatchObject({ code: 'unauthorized' });
    }
    let done = false;
    const fourth = h.users.completeSetup({ code, username: 'boss', password: GOOD_PASSWORD }, META).finally(() => (done = true));
    await settle();
    expect(done).toBe(false);
    h.clock.advance(250);
    expect((await fourth).user.username).toBe('boss');
  });

  it('is not needed once the desktop owner set a password locally', async () => {
    h = harness();
    await h.users.changePassword(h.owner, { currentPassword: '', newPassword: GOOD_PASSWORD });
    expect(h.users.setupState().needed).toBe(false);
    expect(h.users.setupCode()).toBeNull();
  });
});

describe('login', () => {
  it('gives the same answer for an unknown user, a user without a password and a wrong password', async () => {
    h = harness();
    await withViewer();
    const answers = await Promise.allSettled([
      h.users.login({ username: 'nobody', password: GOOD_PASSWORD }, META),
      h.users.login({ username: 'owner', password: '' }, { ...META, address: '192.0.2.11' }),
      h.users.login({ username: 'anna', password: GOOD_PASSWORD + '!' }, { ...META, address: '192.0.2.12' }),
    ]);
    for (const a of answers) {
      expect(a.status).toBe('rejected');
      const err = (a as PromiseRejectedResult).reason as ApiFailure;
      expect(err).toBeInstanceOf(ApiFailure);
      expect({ code: err.code, message: err.message }).toEqual(WRONG);
    }
    const ok = await h.users.login({ username: 'ANNA', password: GOOD_PASSWORD }, META);
    expect(ok.user).toMatchObject({ username: 'Anna', role: 'viewer', lastLoginAt: h.clock.now() });
    expect(ok.session.expiresAt).toBe(h.clock.now() + DEFAULT_SESSION_MAX_MS);
  });

  it('re-hashes a password made with an older cost after a successful login', async () => {
    h = harness();
    const id = await withViewer();
    const stored = () => (databaseOf(h.store).prepare('SELECT password_hash AS p FROM users WHERE id = ?').get(id) as { p: string }).p;
    expect(stored()).toMatch(/^scrypt\$1024\$8\$1\$/);
    h.restart({ passwordCost: { N: 2 ** 11, r: 8, p: 1 } });
    await h.users.login({ username: 'anna', password: GOOD_PASSWORD }, META);
    await waitFor(() => stored().startsWith('scrypt$2048$'), { timeoutMs: 5000, intervalMs: 10, what: 'the re-hash' });
    expect(stored()).toMatch(/^scrypt\$2048\$8\$1\$/);
    await h.users.login({ username: 'anna', password: GOOD_PASSWORD }, META);
  });

  it('slows down after three failures (waiting on the clock), and never locks out', async () => {
    h = harness();
    await withViewer();
    for (let i = 0; i < 3; i++) await expect(h.users.login({ username: 'anna', password: 'wrong-password-x' }, META)).rejects.toMatchObject(WRONG);
    let done = false;
    const fourth = h.users.login({ username: 'anna', password: GOOD_PASSWORD }, META).finally(() => (done = true));
    await settle();
    expect(done).toBe(false);
    h.clock.advance(249);
    await settle();
    expect(done).toBe(false);
    h.clock.advance(1);
    // The right password still works after the wait: slowed, not locked.
    expect((await fourth).user.username).toBe('Anna');
  });
});

describe('sessions', () => {
  it('end when idle for 14 days', async () => {
    h = harness();
    await withViewer();
    const { session } = await h.users.login({ username: 'anna', password: GOOD_PASSWORD }, META);
    h.clock.advance(DEFAULT_SESSION_IDLE_MS - 1000);
    expect(h.users.authenticateSession(session.secret, META.address)).not.toBeNull();
    h.clock.advance(DEFAULT_SESSION_IDLE_MS - 1000);
    expect(h.users.authenticateSession(session.secret, META.address)).not.toBeNull();
    h.clock.advance(DEFAULT_SESSION_IDLE_MS);
    expect(h.users.authenticateSession(session.secret, META.address)).toBeNull();
    expect(h.users.listSessions(null, h.owner)).toEqual([]);
  });

  it('end at their absolute expiry however active', async () => {
    h = harness();
    await withViewer();
    const { session } = await h.users.login({ username: 'anna', password: GOOD_PASSWORD }, META);
    for (let day = 1; day < 30; day++) {
      h.clock.advance(DAY);
      expect(h.users.authenticateSession(session.secret, META.address), `day ${day}`).not.toBeNull();
    }
    h.clock.advance(DAY);
    expect(h.users.authenticateSession(session.secret, META.address)).toBeNull();
  });

  it('end on logout, and then fire onRightsChanged', async () => {
    h = harness();
    const id = await withViewer();
    const changed: number[] = [];
    h.users.onRightsChanged((u) => changed.push(u));
    const { session } = await h.users.login({ username: 'anna', password: GOOD_PASSWORD }, META);
    const caller = h.users.authenticateSession(session.secret, META.address)!;
    h.users.logout(caller);
    expect(h.users.authenticateSession(session.secret, META.address)).toBeNull();
    expect(h.users.callerStillValid(caller)).toBeNull();
    expect(changed).toEqual([id]);
  });

  it('write "last seen" at most once a minute, survive a restart, and are stored only hashed', async () => {
    h = harness();
    await withViewer();
    const { session } = await h.users.login({ username: 'anna', password: GOOD_PASSWORD }, META);
    const lastSeen = () => (databaseOf(h.store).prepare('SELECT last_seen_at AS t FROM sessions WHERE id = ?').get(session.id) as { t: number }).t;
    const t0 = h.clock.now();
    h.clock.advance(30_000);
    h.users.authenticateSession(session.secret, META.address);
    expect(lastSeen()).toBe(t0);
    h.clock.advance(30_000);
    h.users.authenticateSession(session.secret, META.address);
    expect(lastSeen()).toBe(t0 + 60_000);
    const dump = JSON.stringify(databaseOf(h.store).prepare('SELECT * FROM sessions').all());
    expect(dump).not.toContain(session.secret);
    expect(h.users.listSessions(null, h.owner)[0]).toMatchObject({ id: session.id, address: META.address, userAgent: META.userAgent, current: false });

    h.restart();
    expect(h.users.authenticateSession(session.secret, '192.0.2.99')).toMatchObject({ sessionId: session.id, address: '192.0.2.99' });
    expect(h.users.authenticateSession(session.secret.slice(0, -1) + (session.secret.endsWith('A') ? 'B' : 'A'), META.address)).toBeNull();
    expect(h.users.authenticateSession('', META.address)).toBeNull();
  });

  it('a password change ends every other session and every token, not the current session', async () => {
    h = harness();
    await withViewer();
    const a = await h.users.login({ username: 'anna', password: GOOD_PASSWORD }, META);
    const b = await h.users.login({ username: 'anna', password: GOOD_PASSWORD }, { ...META, userAgent: 'phone' });
    const me = h.users.authenticateSession(a.session.secret, META.address)!;
    const token = h.users.createToken(me, 'script');
    expect(h.users.authenticateToken(token.token, META.address)).not.toBeNull();

    await expect(h.users.changePassword(me, { currentPassword: 'not-the-password', newPassword: 'copper-kettle-meadow-7' })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(h.users.changePassword(me, { currentPassword: GOOD_PASSWORD, newPassword: 'password2024' })).rejects.toMatchObject({ code: 'invalid_input' });
    expect(h.users.authenticateSession(b.session.secret, META.address)).not.toBeNull();

    await h.users.changePassword(me, { currentPassword: GOOD_PASSWORD, newPassword: 'copper-kettle-meadow-7' });
    expect(h.users.authenticateSession(a.session.secret, META.address)).not.toBeNull();
    expect(h.users.authenticateSession(b.session.secret, META.address)).toBeNull();
    expect(h.users.authenticateToken(token.token, META.address)).toBeNull();
    await expect(h.users.login({ username: 'anna', password: GOOD_PASSWORD }, META)).rejects.toMatchObject(WRONG);
    await h.users.login({ username: 'anna', password: 'copper-kettle-meadow-7' }, META);
  });

  it('a user without a password sets one only locally or with the owner token', async () => {
    h = harness();
    const viaToken = h.users.createToken(h.owner, 'desktop script');
    const tokenCaller = h.users.authenticateToken(viaToken.token, '127.0.0.1')!;
    await expect(h.users.changePassword(tokenCaller, { currentPassword: '', newPassword: GOOD_PASSWORD })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(h.users.changePassword(h.owner, { currentPassword: 'x', newPassword: GOOD_PASSWORD })).rejects.toMatchObject({ code: 'forbidden' });
    await h.users.changePassword(h.users.ownerCaller('owner-token', '127.0.0.1'), { currentPassword: '', newPassword: GOOD_PASSWORD });
    expect(h.users.get(1).hasPassword).toBe(true);
  });

  it('are listed and revocable; revoking fires onRightsChanged', async () => {
    h = harness();
    const id = await withViewer();
    const changed: number[] = [];
    h.users.onRightsChanged((u) => changed.push(u));
    const { session } = await h.users.login({ username: 'anna', password: GOOD_PASSWORD }, META);
    const caller = h.users.authenticateSession(session.secret, META.address)!;
    expect(h.users.listSessions(id, caller).map((s) => [s.id, s.current])).toEqual([[session.id, true]]);
    expect(h.users.listSessions(1, caller)).toEqual([]);
    expect(h.users.sessionOwner(session.id)).toBe(id);
    expect(h.users.me(caller).expiresAt).toBe(session.expiresAt);
    expect(h.users.revokeSession(session.id, h.owner)).toEqual({ revoked: session.id });
    expect(h.users.authenticateSession(session.secret, META.address)).toBeNull();
    expect(h.users.sessionOwner(session.id)).toBeNull();
    expect(() => h.users.revokeSession(session.id, h.owner)).toThrow(expect.objectContaining({ code: 'not_found' }));
    expect(changed).toEqual([id]);
  });
});
