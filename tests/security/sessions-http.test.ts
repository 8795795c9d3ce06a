/**
 * Issue 11, test 3, over real HTTP: the session cookie's flags, logout,
 * expiry, a password change ending the other sessions and the tokens, the
 * login slow-down, the same answer for an unknown user and a wrong password,
 * and the first-run setup code working exactly once. (The service's own
 * rules are unit-tested in tests/users/.)
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Headless } from '../../main/headless.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { tempDir } from '../helpers/tmp.ts';
import { waitFor } from '../helpers/wait.ts';

const tmp = tempDir('kw-sessions-');
const PASSWORD = 'a long enough passphrase';
let app: Headless;
const base = () => `http://127.0.0.1:${app.port}`;

async function send(method: string, path: string, opts: { cookie?: string; bearer?: string; body?: unknown } = {}) {
  const res = await fetch(base() + path, {
    method,
    headers: {
      ...(opts.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...(opts.cookie ? { Cookie: opts.cookie } : {}),
      ...(opts.bearer ? { Authorization: `Bearer ${opts.bearer}` } : {}),
    },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { status: res.status, setCookie: res.headers.get('set-cookie') ?? '', json: text ? (JSON.parse(text) as Record<string, unknown>) : null };
}

const sessionOf = (setCookie: string) => /kw_session=[^;]+/.exec(setCookie)?.[0] ?? '';

beforeAll(async () => {
  app = await startTestServer(join(tmp.dir, 'data'), { users: { sessionIdleMs: 1500 } });
}, 30_000);

afterAll(async () => {
  await app?.stop();
  tmp.cleanup();
});

describe('sessions over HTTP', () => {
  it('first-run setup: the printed code works once, then the owner signs in with the password', async () => {
    expect(app.setupCode).toMatch(/^[A-Z0-9]{4}(-[A-Z0-9]{4})+$/);
    expect((await send('GET', '/api/setup')).json).toEqual({ needed: true, username: 'owner' });
    expect((await send('POST', '/api/setup', { body: { code: 'AAAA-BBBB-CCCC', username: 'owner', password: PASSWORD } })).status).toBe(401);
    const done = await send('POST', '/api/setup', { body: { code: app.setupCode, username: 'keeper', password: PASSWORD } });
    expect(done.status).toBe(200);
    expect(done.json).toMatchObject({ user: { id: 1, username: 'keeper', role: 'admin', owner: true } });
    expect(JSON.stringify(done.json)).not.toMatch(/secret/);
    expect(sessionOf(done.setCookie)).not.toBe('');
    // Once only.
    expect((await send('POST', '/api/setup', { body: { code: app.setupCode, username: 'owner', password: PASSWORD } })).status).toBe(409);
    expect((await send('GET', '/api/setup')).json).toMatchObject({ needed: false });
    const login = await send('POST', '/api/login', { body: { username: 'Keeper', password: PASSWORD } });
    expect(login.status).toBe(200);
  });

  it('a login sets an HttpOnly, SameSite=Strict cookie; logout ends it', async () => {
    await send('POST', '/api/users', { bearer: app.token, body: { username: 'anna', password: PASSWORD, role: 'viewer' } });
    const login = await send('POST', '/api/login', { body: { username: 'anna', password: PASSWORD } });
    expect(login.status).toBe(200);
    expect(login.setCookie).toMatch(/kw_session=[^;]+;.*HttpOnly/i);
    expect(login.setCookie).toMatch(/SameSite=Strict/i);
    expect(login.setCookie).not.toMatch(/Secure/i); // plain loopback HTTP; over TLS it is Secure (tests/lan)
    const cookie = sessionOf(login.setCookie);
    expect((await send('GET', '/api/me', { cookie })).json).toMatchObject({ user: { username: 'anna' }, via: 'session' });
    const out = await send('POST', '/api/logout', { cookie });
    expect(out.status).toBe(200);
    expect(out.setCookie).toMatch(/kw_session=;/);
    expect((await send('GET', '/api/me', { cookie })).status).toBe(401);
  });

  it('an unknown user and a wrong password get the same answer', async () => {
    const unknown = await send('POST', '/api/login', { body: { username: 'nobody-here', password: 'whatever it is' } });
    const wrong = await send('POST', '/api/login', { body: { username: 'anna', password: 'not her password' } });
    expect(unknown.status).toBe(401);
    expect(wrong).toEqual(unknown);
  });

  it('a password change ends the other sessions and the tokens, not the current session', async () => {
    await send('POST', '/api/users', { bearer: app.token, body: { username: 'ben', password: PASSWORD, role: 'viewer' } });
    const laptop = sessionOf((await send('POST', '/api/login', { body: { username: 'ben', password: PASSWORD } })).setCookie);
    const phone = sessionOf((await send('POST', '/api/login', { body: { username: 'ben', password: PASSWORD } })).setCookie);
    const token = (await send('POST', '/api/tokens', { cookie: laptop, body: { name: 'script' } })).json!.token as string;
    expect((await send('GET', '/api/me', { bearer: token })).status).toBe(200);
    expect((await send('POST', '/api/me/password', { cookie: laptop, body: { currentPassword: PASSWORD, newPassword: PASSWORD + ' two' } })).status).toBe(200);
    expect((await send('GET', '/api/me', { cookie: laptop })).status).toBe(200);
    expect((await send('GET', '/api/me', { cookie: phone })).status).toBe(401);
    expect((await send('GET', '/api/me', { bearer: token })).status).toBe(401);
    // An admin resetting it ends the last one too.
    expect((await send('PATCH', '/api/users/3', { bearer: app.token, body: { password: PASSWORD + ' three' } })).status).toBe(200);
    expect((await send('GET', '/api/me', { cookie: laptop })).status).toBe(401);
  });

  it('an idle session expires', async () => {
    const cookie = sessionOf((await send('POST', '/api/login', { body: { username: 'anna', password: PASSWORD } })).setCookie);
    expect((await send('GET', '/api/me', { cookie })).status).toBe(200);
    // Idle limit 1.5 s in this server; each look is 2 s after the last request, so it finds the session idle.
    await waitFor(async () => (await send('GET', '/api/cameras', { cookie })).status === 401, {
      timeoutMs: 10_000,
      intervalMs: 2000,
      what: 'the idle session ended',
    });
  });

  it('repeated failures slow login down, and never lock the owner out', async () => {
    const timeOf = async (password: string) => {
      const t0 = performance.now();
      const r = await send('POST', '/api/login', { body: { username: 'keeper', password } });
      return { status: r.status, ms: performance.now() - t0 };
    };
    const first = await timeOf('wrong password 1');
    for (let i = 2; i <= 5; i++) await timeOf(`wrong password ${i}`);
    const later = await timeOf('wrong password 6');
    expect(first.status).toBe(401);
    expect(later.status).toBe(401);
    // The slow-down is a deliberate delay of hundreds of milliseconds, far above the noise of one request.
    expect(later.ms).toBeGreaterThan(first.ms + 200);
    const right = await timeOf(PASSWORD);
    expect(right.status).toBe(200);
  }, 30_000);
});
