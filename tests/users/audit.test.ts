/**
 * The audit log: entries written by every change and login, queried with
 * filters newest first, repeated watching folded within ten minutes, pruned.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GOOD_PASSWORD, META, T0, harness, type Harness } from './harness.ts';

let h: Harness;
afterEach(() => h?.close());
const MIN = 60_000;

describe('audit log', () => {
  it('records logins, failures and every change', async () => {
    h = harness();
    const code = h.users.setupCode()!;
    const setup = await h.users.completeSetup({ code, username: 'boss', password: GOOD_PASSWORD }, META);
    const boss = h.users.authenticateSession(setup.session.secret, META.address)!;
    const c = h.camera();
    const anna = await h.users.create({ username: 'anna', password: GOOD_PASSWORD, role: 'viewer', cameras: [c] }, boss);
    await expect(h.users.login({ username: 'ghost', password: 'whatever-123' }, { ...META, address: '198.51.100.7' })).rejects.toThrow();
    await expect(h.users.login({ username: 'anna', password: 'whatever-123' }, META)).rejects.toThrow();
    const { session } = await h.users.login({ username: 'anna', password: GOOD_PASSWORD }, META);
    const annaCaller = h.users.authenticateSession(session.secret, META.address)!;
    const token = h.users.createToken(annaCaller, 'script');
    h.users.revokeToken(token.id, boss);
    await h.users.update({ id: anna.id, cameras: [{ id: c, rights: ['live'] }] }, boss);
    h.users.revokeSession(session.id, boss);
    await h.users.update({ id: anna.id, password: 'copper-kettle-meadow-7' }, boss);
    h.users.logout(boss);
    h.users.remove(anna.id, boss);

    const all = h.users.audit.query({ from: 0, to: T0 + 1 }).reverse();
    expect(all.map((e) => e.action)).toEqual([
      'setup',
      'user-created',
      'login-failed',
      'login-failed',
      'login',
      'token-created',
      'token-revoked',
      'user-changed',
      'session-revoked',
      'password-changed',
      'logout',
      'user-removed',
    ]);
    expect(all[0]).toMatchObject({ userId: 1, username: 'boss', address: META.address });
    expect(all[2]).toMatchObject({ userId: null, username: null, address: '198.51.100.7', detail: 'ghost' });
    expect(all[3]).toMatchObject({ userId: anna.id, username: 'anna', detail: 'anna' });
    expect(all[7].detail).toBe(`anna: cameras ${c} (all) → ${c} (live)`);
    expect(all[11]).toMatchObject({ userId: 1, detail: 'anna' });
    // No secret or password ever reaches the log.
    const text = JSON.stringify(all);
    for (const secret of [GOOD_PASSWORD, 'copper-kettle-meadow-7', token.token, session.secret, setup.session.secret, code]) expect(text).not.toContain(secret);
  });

  it('filters by time, user, camera and action, newest first, with a limit', () => {
    h = harness();
    const log = h.users.audit;
    log.record({ action: 'export', userId: 2, username: 'anna', cameraId: 5, at: T0 });
    log.record({ action: 'export', userId: 3, username: 'bob', cameraId: 5, at: T0 + MIN });
    log.record({ action: 'ptz', userId: 2, username: 'anna', cameraId: 6, at: T0 + 2 * MIN });
    log.record({ action: 'login', userId: 2, username: 'anna', at: T0 + 3 * MIN });
    const ats = (q: Parameters<typeof log.query>[0]) => log.query(q).map((e) => (e.at - T0) / MIN);
    expect(ats({ from: T0, to: T0 + 10 * MIN })).toEqual([3, 2, 1, 0]);
    expect(ats({ from: T0 + MIN, to: T0 + 3 * MIN })).toEqual([2, 1]);
    expect(ats({ from: T0, to: T0 + 10 * MIN, user: 2 })).toEqual([3, 2, 0]);
    expect(ats({ from: T0, to: T0 + 10 * MIN, camera: 5 })).toEqual([1, 0]);
    expect(ats({ from: T0, to: T0 + 10 * MIN, user: 2, camera: 5 })).toEqual([0]);
    expect(ats({ from: T0, to: T0 + 10 * MIN, action: 'ptz' })).toEqual([2]);
    expect(ats({ from: T0, to: T0 + 10 * MIN, limit: 2 })).toEqual([3, 2]);
  });

  it('folds repeated live, playback and download of one user on one camera within ten minutes', () => {
    h = harness();
    const log = h.users.audit;
    const at = (m: number) => T0 + m * MIN;
    expect(log.record({ action: 'live', userId: 2, cameraId: 1, at: at(0) })).not.toBeNull();
    expect(log.record({ action: 'live', userId: 2, cameraId: 1, at: at(4) })).toBeNull();
    expect(log.record({ action: 'live', userId: 2, cameraId: 1, at: at(9) })).toBeNull();
    expect(log.record({ action: 'live', userId: 2, cameraId: 1, at: at(10) })).not.toBeNull();
    expect(log.record({ action: 'live', userId: 2, cameraId: 2, at: at(10) })).not.toBeNull();
    expect(log.record({ action: 'live', userId: 3, cameraId: 1, at: at(10) })).not.toBeNull();
    expect(log.record({ action: 'playback', userId: 2, cameraId: 1, at: at(10) })).not.toBeNull();
    expect(log.record({ action: 'playback', userId: 2, cameraId: 1, at: at(11) })).toBeNull();
    expect(log.record({ action: 'download', userId: 2, cameraId: 1, at: at(11) })).not.toBeNull();
    expect(log.record({ action: 'download', userId: 2, cameraId: 1, at: at(12) })).toBeNull();
    // Exports and PTZ are each worth an entry.
    expect(log.record({ action: 'export', userId: 2, cameraId: 1, at: at(12) })).not.toBeNull();
    expect(log.record({ action: 'export', userId: 2, cameraId: 1, at: at(12) })).not.toBeNull();
    expect(log.query({ from: at(0), to: at(60) })).toHaveLength(8);
  });

  it('prunes entries older than a time', () => {
    h = harness();
    const log = h.users.audit;
    for (let m = 0; m < 5; m++) log.record({ action: 'login', userId: 2, at: T0 + m * MIN });
    expect(log.prune(T0 + 2 * MIN)).toBe(2);
    expect(log.query({ from: 0, to: T0 + 10 * MIN }).map((e) => (e.at - T0) / MIN)).toEqual([4, 3, 2]);
  });
});
