/**
 * Accounts, grants and tokens: create/update/remove with their rules, grants
 * normalised and tied to existing cameras, ids never reused, removal and
 * password resets end everything, rights changes are announced and seen by
 * callerStillValid, tokens are shown once and stored hashed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { databaseOf } from '../../main/engine/storage/store.ts';
import { hasRight } from '../../main/engine/access/caller.ts';
import { GOOD_PASSWORD, META, harness, type Harness } from './harness.ts';

let h: Harness;
afterEach(() => h?.close());

const viewer = (username: string, cameras: (number | { id: number; rights: ('live' | 'playback' | 'export' | 'ptz')[] })[] = []) =>
  h.users.create({ username, password: GOOD_PASSWORD, role: 'viewer', cameras }, h.owner);

async function sessionOf(username: string) {
  const { session } = await h.users.login({ username, password: GOOD_PASSWORD }, META);
  return { secret: session.secret, caller: h.users.authenticateSession(session.secret, META.address)! };
}

describe('accounts', () => {
  it('creates viewers with normalised grants: a plain id is every right, a camera named twice gets the union', async () => {
    h = harness();
    const [c1, c2, c3] = [h.camera('a'), h.camera('b'), h.camera('c')];
    const user = await viewer('anna', [c2, { id: c1, rights: ['live'] }, { id: c1, rights: ['playback', 'live'] }, { id: c3, rights: ['ptz'] }]);
    expect(user).toMatchObject({ username: 'anna', role: 'viewer', owner: false, hasPassword: true, lastLoginAt: null });
    expect(user.cameras).toEqual([
      { id: c1, rights: ['live', 'playback'] },
      { id: c2, rights: ['live', 'playback', 'export', 'ptz'] },
      { id: c3, rights: ['ptz'] },
    ]);
    expect(h.users.list().map((u) => u.username)).toEqual(['owner', 'anna']);
    // Persisted: a restart reads the same.
    expect(h.restart().get(user.id)).toEqual(user);
  });

  it('refuses duplicates without regard to case, bad passwords, and grants of cameras that do not exist', async () => {
    h = harness();
    const c = h.camera();
    await viewer('Anna');
    await expect(viewer('anna')).rejects.toMatchObject({ code: 'conflict' });
    await expect(viewer('OWNER')).rejects.toMatchObject({ code: 'conflict' });
    await expect(h.users.create({ username: 'bob', password: 'qwerty123456', role: 'viewer', cameras: [] }, h.owner)).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(viewer('bob', [c, 999])).rejects.toMatchObject({ code: 'not_found', message: 'no camera with id 999' });
    expect(h.users.list().map((u) => u.username)).toEqual(['owner', 'Anna']);
  });

  it('never hands out a removed user id again', async () => {
    h = harness();
    const a = await viewer('anna');
    const b = await viewer('bob');
    h.users.remove(b.id, h.owner);
    const c = await viewer('carol');
    expect(c.id).toBe(b.id + 1);
    expect(() => h.users.get(b.id)).toThrow(expect.objectContaining({ code: 'not_found', message: `no user with id ${b.id}` }));
    h.users.remove(c.id, h.owner);
    expect((h.restart(), await viewer('dave')).id).toBe(c.id + 1);
    expect(a.id).toBe(2);
  });

  it('protects the owner: not removable, not demotable, its password only by itself', async () => {
    h = harness();
    const admin = await h.users.create({ username: 'admin2', password: GOOD_PASSWORD, role: 'admin', cameras: [] }, h.owner);
    const adminCaller = (await sessionOf('admin2')).caller;
    expect(() => h.users.remove(1, adminCaller)).toThrow(expect.objectContaining({ code: 'conflict' }));
    await expect(h.users.update({ id: 1, role: 'viewer' }, adminCaller)).rejects.toMatchObject({ code: 'conflict' });
    await expect(h.users.update({ id: 1, password: 'copper-kettle-meadow-7' }, adminCaller)).rejects.toMatchObject({ code: 'forbidden' });
    await h.users.update({ id: 1, password: 'copper-kettle-meadow-7' }, h.owner);
    expect(h.users.get(1).hasPassword).toBe(true);
    // An admin other than the owner may demote or remove itself.
    await h.users.update({ id: admin.id, role: 'viewer' }, adminCaller);
    expect(h.users.remove(admin.id, adminCaller)).toEqual({ removed: admin.id });
  });

  it('announces rights changes, and callerStillValid sees them at once', async () => {
    h = harness();
    const [c1, c2] = [h.camera('a'), h.camera('b')];
    const anna = await viewer('anna', [c1]);
    const changed: number[] = [];
    const stop = h.users.onRightsChanged((u) => changed.push(u));
    const { caller } = await sessionOf('anna');
    expect(hasRight(caller, c1, 'live')).toBe(true);
    expect(hasRight(caller, c2, 'see')).toBe(false);

    await h.users.update({ id: anna.id, cameras: [{ id: c2, rights: ['live'] }] }, h.owner);
    expect(changed).toEqual([anna.id]);
    // The old Caller keeps what it was made with; the re-check sees the new grants.
    expect(hasRight(caller, c1, 'live')).toBe(true);
    const fresh = h.users.callerStillValid(caller)!;
    expect(hasRight(fresh, c1, 'see')).toBe(false);
    expect(hasRight(fresh, c2, 'live')).toBe(true);
    expect(hasRight(fresh, c2, 'playback')).toBe(false);

    await h.users.update({ id: anna.id, role: 'admin' }, h.owner);
    expect(h.users.callerStillValid(caller)!.role).toBe('admin');
    // Nothing changed: nothing announced.
    await h.users.update({ id: anna.id, role: 'admin' }, h.owner);
    expect(changed).toEqual([anna.id, anna.id]);

    h.users.remove(anna.id, h.owner);
    expect(changed).toEqual([anna.id, anna.id, anna.id]);
    expect(h.users.callerStillValid(caller)).toBeNull();
    stop();
  });

  it('a password reset by an admin ends every session and token of that user', async () => {
    h = harness();
    const anna = await viewer('anna');
    const { secret, caller } = await sessionOf('anna');
    const token = h.users.createToken(caller, 'script');
    const changed: number[] = [];
    h.users.onRightsChanged((u) => changed.push(u));
    await h.users.update({ id: anna.id, password: 'copper-kettle-meadow-7' }, h.owner);
    expect(h.users.authenticateSession(secret, META.address)).toBeNull();
    expect(h.users.authenticateToken(token.token, META.address)).toBeNull();
    expect(h.users.callerStillValid(caller)).toBeNull();
    expect(changed).toEqual([anna.id]);
  });

  it('removing a user ends its sessions and tokens and drops its rows', async () => {
    h = harness();
    const c = h.camera();
    const anna = await viewer('anna', [c]);
    const { secret, caller } = await sessionOf('anna');
    const token = h.users.createToken(caller, 'script');
    h.users.remove(anna.id, h.owner);
    expect(h.users.authenticateSession(secret, META.address)).toBeNull();
    expect(h.users.authenticateToken(token.token, META.address)).toBeNull();
    const db = databaseOf(h.store);
    for (const table of ['camera_grants', 'sessions', 'api_tokens']) {
      expect(db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE user_id = ?`).get(anna.id), table).toEqual({ n: 0 });
    }
    expect(() => h.users.remove(anna.id, h.owner)).toThrow(expect.objectContaining({ code: 'not_found' }));
  });

  it('a removed camera leaves every grant, in memory and in the index', async () => {
    h = harness();
    const [c1, c2] = [h.camera('a'), h.camera('b')];
    const anna = await viewer('anna', [c1, c2]);
    const { caller } = await sessionOf('anna');
    const changed: number[] = [];
    h.users.onRightsChanged((u) => changed.push(u));
    h.store.deleteCamera(c1);
    h.users.cameraRemoved(c1);
    expect(changed).toEqual([anna.id]);
    expect(h.users.get(anna.id).cameras.map((g) => g.id)).toEqual([c2]);
    expect(hasRight(h.users.callerStillValid(caller)!, c1, 'see')).toBe(false);
    expect(h.restart().get(anna.id).cameras.map((g) => g.id)).toEqual([c2]);
  });

  it('me: an admin has every right on every camera, a viewer its grants', async () => {
    h = harness();
    const [c1, c2] = [h.camera('a'), h.camera('b')];
    await viewer('anna', [{ id: c2, rights: ['playback'] }]);
    expect(h.users.me(h.owner)).toMatchObject({
      via: 'local',
      expiresAt: null,
      user: { id: 1, owner: true },
      rights: [
        { id: c1, rights: ['live', 'playback', 'export', 'ptz'] },
        { id: c2, rights: ['live', 'playback', 'export', 'ptz'] },
      ],
    });
    const { caller } = await sessionOf('anna');
    expect(h.users.me(caller).rights).toEqual([{ id: c2, rights: ['playback'] }]);
  });
});

describe('personal tokens', () => {
  it('are shown once, stored hashed, act as their user, and are revocable', async () => {
    h = harness();
    const c = h.camera();
    const anna = await viewer('anna', [c]);
    const { caller } = await sessionOf('anna');
    const created = h.users.createToken(caller, '  backup script ');
    expect(created).toMatchObject({ userId: anna.id, name: 'backup script', lastUsedAt: null });
    expect(created.token).toMatch(/^kwt_[A-Za-z0-9_-]{43}$/);
    const listed = h.users.listTokens(anna.id);
    expect(listed).toEqual([{ id: created.id, userId: anna.id, name: 'backup script', createdAt: created.createdAt, lastUsedAt: null }]);
    expect(JSON.stringify(listed)).not.toContain(created.token);
    const db = databaseOf(h.store);
    expect(JSON.stringify(db.prepare('SELECT * FROM api_tokens').all())).not.toContain(created.token.slice(4));

    const viaToken = h.users.authenticateToken(created.token, '10.0.0.5')!;
    expect(viaToken).toMatchObject({ userId: anna.id, via: 'token', tokenId: created.id, sessionId: null, role: 'viewer', address: '10.0.0.5' });
    expect(hasRight(viaToken, c, 'export')).toBe(true);
    expect(h.users.listTokens(anna.id)[0].lastUsedAt).toBe(h.clock.now());
    expect(h.users.tokenOwner(created.id)).toBe(anna.id);
    expect(h.users.authenticateToken(created.token.replace('kwt_', 'kwx_'), META.address)).toBeNull();

    // Survives a restart, then is revoked.
    h.restart();
    expect(h.users.authenticateToken(created.token, META.address)).not.toBeNull();
    expect(h.users.revokeToken(created.id, h.owner)).toEqual({ revoked: created.id });
    expect(h.users.authenticateToken(created.token, META.address)).toBeNull();
    expect(h.users.tokenOwner(created.id)).toBeNull();
    expect(h.users.callerStillValid(viaToken)).toBeNull();
    // A new token never gets the revoked one's id.
    expect(h.users.createToken(h.owner, 'x').id).toBe(created.id + 1);
  });
});
