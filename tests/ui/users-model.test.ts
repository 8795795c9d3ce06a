/**
 * The pure parts of the people pages: what getMe's rights allow, the grants
 * matrix's edits and what they save, the audit filters' address and query,
 * the LAN form's checks.
 */
import { describe, expect, it } from 'vitest';
import type { LanState, Me, User } from '../../preload/api.ts';
import { abilitiesOf, allowed } from '../../renderer/src/users/rights.ts';
import { changedUsers, grantMap, grantsInput, rightsText, sameGrants, toggleRight } from '../../renderer/src/users/grants-model.ts';
import { auditHash, auditQuery, parseAuditFilters, actionTone, ACTION_GROUPS, ACTION_LABELS } from '../../renderer/src/users/audit-model.ts';
import { checkDraft, draftOf, sameDraft, splitNames } from '../../renderer/src/lan/lan-form.ts';
import { passwordProblems } from '../../renderer/src/users/password-rules.ts';
import { describeBrowser } from '../../renderer/src/users/browser-name.ts';
import { AUDIT_ACTIONS, MIN_PASSWORD_LENGTH } from '../../preload/api.ts';

const user = (over: Partial<User> = {}): User => ({ id: 2, username: 'anna', role: 'viewer', owner: false, cameras: [], createdAt: 0, lastLoginAt: null, hasPassword: true, ...over });
const me = (over: Partial<User>, rights: Me['rights']): Me => ({ user: user(over), via: 'session', rights, expiresAt: null });

describe('rights from getMe', () => {
  it('a viewer may do exactly what it was granted, camera by camera', () => {
    const a = abilitiesOf(me({}, [{ id: 1, rights: ['live', 'playback'] }, { id: 3, rights: ['export'] }]));
    expect(a.isAdmin).toBe(false);
    expect(a.can('live', 1)).toBe(true);
    expect(a.can('export', 1)).toBe(false);
    expect(a.can('live', 2)).toBe(false);
    expect(a.can('export', 3)).toBe(true);
    expect(a.canAny('ptz')).toBe(false);
    expect(a.canAny('playback')).toBe(true);
    expect([...a.camerasWith('live')!]).toEqual([1]);
    expect(allowed([{ id: 1 }, { id: 2 }, { id: 3 }], a, 'playback', (c) => c.id)).toEqual([{ id: 1 }]);
  });

  it('an admin may do everything, also on a camera added after getMe answered', () => {
    const a = abilitiesOf(me({ role: 'admin' }, [{ id: 1, rights: ['live'] }]));
    expect(a.can('ptz', 99)).toBe(true);
    expect(a.canAny('export')).toBe(true);
    expect(a.camerasWith('live')).toBeNull();
  });

  it('a viewer with nothing granted may do nothing', () => {
    const a = abilitiesOf(me({}, []));
    for (const r of ['live', 'playback', 'export', 'ptz'] as const) expect(a.canAny(r)).toBe(false);
  });
});

describe('the grants matrix', () => {
  it('switches rights on and off; a camera with no right left is no grant', () => {
    let g = grantMap([{ id: 5, rights: ['live'] }]);
    g = toggleRight(g, 5, 'playback', true);
    g = toggleRight(g, 2, 'export', true);
    expect(grantsInput(g)).toEqual([
      { id: 2, rights: ['export'] },
      { id: 5, rights: ['live', 'playback'] },
    ]);
    g = toggleRight(g, 2, 'export', false);
    expect(grantsInput(g)).toEqual([{ id: 5, rights: ['live', 'playback'] }]);
  });

  it('saves rights in the contract order and drops cameras that no longer exist', () => {
    const g = grantMap([{ id: 7, rights: ['ptz', 'live'] }, { id: 8, rights: ['live'] }]);
    expect(grantsInput(g, new Set([7]))).toEqual([{ id: 7, rights: ['live', 'ptz'] }]);
    expect(rightsText(['ptz', 'live'])).toBe('Live, PTZ');
  });

  it('knows which users have unsaved changes (an edit undone is no change)', () => {
    const anna = user({ id: 2, cameras: [{ id: 1, rights: ['live'] }] });
    const bob = user({ id: 3, username: 'bob' });
    const back = toggleRight(toggleRight(grantMap(anna.cameras), 1, 'export', true), 1, 'export', false);
    expect(sameGrants(back, grantMap(anna.cameras))).toBe(true);
    const drafts = new Map([
      [2, back],
      [3, toggleRight(grantMap([]), 1, 'live', true)],
    ]);
    expect(changedUsers([anna, bob], drafts).map((u) => u.username)).toEqual(['bob']);
  });
});

describe('the audit filters', () => {
  it('round-trip through the address and ignore what is not theirs', () => {
    const f = parseAuditFilters(new URLSearchParams('range=7d&user=4&camera=x&action=login'));
    expect(f).toEqual({ range: '7d', user: 4, camera: null, action: 'login' });
    expect(auditHash(f)).toBe('#/audit?range=7d&user=4&action=login');
    expect(parseAuditFilters(new URLSearchParams('action=drop-table'))).toEqual({ range: '24h', user: null, camera: null, action: null });
    expect(auditHash(parseAuditFilters(new URLSearchParams('')))).toBe('#/audit');
  });

  it('become a listAudit query over the chosen range', () => {
    const q = auditQuery({ range: '1h', user: null, camera: 3, action: null }, 10_000_000);
    expect(q).toMatchObject({ from: 10_000_000 - 3600_000, camera: 3 });
    expect(q.to).toBeGreaterThanOrEqual(10_000_000);
    expect('user' in q).toBe(false);
  });

  it('has words and a group for every action of the contract', () => {
    for (const a of AUDIT_ACTIONS) expect(ACTION_LABELS[a]).toBeTruthy();
    expect(ACTION_GROUPS.flatMap((g) => g.actions).sort()).toEqual([...AUDIT_ACTIONS].sort());
    expect(actionTone('login-failed')).toBe('danger');
    expect(actionTone('live')).toBe('watch');
    expect(actionTone('user-changed')).toBe('change');
  });
});

describe('the LAN form', () => {
  const state: LanState = {
    enabled: false,
    addresses: [],
    names: ['nvr.home.arpa'],
    httpsPort: 8443,
    httpPort: null,
    available: [{ name: 'eth0', address: '192.168.1.20', family: 'IPv4' }],
    urls: [],
    certificate: null,
    problem: null,
  };

  it('turns what was typed into updateLan input', () => {
    const d = { ...draftOf(state), enabled: true, addresses: ['192.168.1.20'], names: 'NVR.home.arpa,  cams.lan', redirectHttp: true, httpPort: '8080' };
    expect(checkDraft(d)).toEqual({ input: { enabled: true, addresses: ['192.168.1.20'], names: ['nvr.home.arpa', 'cams.lan'], httpsPort: 8443, httpPort: 8080 }, problems: {} });
    expect(splitNames(' a.lan b.lan,,c ')).toEqual(['a.lan', 'b.lan', 'c']);
  });

  it('says what to fix: no address, a bad port, the same port twice', () => {
    const d = { ...draftOf(state), enabled: true, httpsPort: '70000', redirectHttp: true, httpPort: '70000' };
    expect(checkDraft(d).input).toBeNull();
    expect(Object.keys(checkDraft(d).problems).sort()).toEqual(['addresses', 'httpPort', 'httpsPort']);
    expect(checkDraft({ ...draftOf(state), enabled: true, addresses: ['192.168.1.20'], httpsPort: '443', redirectHttp: true, httpPort: '443' }).problems).toEqual({ httpPort: 'HTTP and HTTPS need different ports.' });
  });

  it('knows an edit that changes nothing', () => {
    expect(sameDraft(draftOf(state), { ...draftOf(state), names: 'NVR.home.arpa' })).toBe(true);
    expect(sameDraft(draftOf(state), { ...draftOf(state), enabled: true })).toBe(false);
  });
});

describe('small helpers', () => {
  it('checks a new password before asking the engine', () => {
    expect(passwordProblems('short', 'short').password).toMatch(String(MIN_PASSWORD_LENGTH));
    expect(passwordProblems('long enough pass', 'long enough pasS').again).toBe('The two passwords differ.');
    expect(passwordProblems('long enough pass', 'long enough pass')).toEqual({ password: null, again: null });
  });

  it('names a browser from its User-Agent', () => {
    expect(describeBrowser('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36')).toBe('Chrome on Linux');
    expect(describeBrowser('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1')).toBe('Safari on iOS');
    expect(describeBrowser('curl/8.5.0')).toBe('Script');
  });
});
