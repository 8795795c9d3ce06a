/**
 * A headless Keepwatch for tests that talk to it over HTTP: an ephemeral
 * port, no UI, quick recorders, silent logs, thumbnails only on request, and
 * a cheap password hash (tests sign in often; the real cost is benched).
 * Plus the small HTTP chores of the access tests.
 */
import WebSocket from 'ws';
import { startHeadless, type Headless, type HeadlessOptions } from '../../main/headless.ts';
import { FAST_RECORDER } from './engine.ts';

export const CHEAP_PASSWORDS = { passwordCost: { N: 2 ** 10, r: 8, p: 1 } };

export function startTestServer(dataDir: string, extra: Partial<HeadlessOptions> = {}): Promise<Headless> {
  return startHeadless({
    dataDir,
    port: 0,
    staticDir: null,
    recorder: FAST_RECORDER,
    logSink: { write() {} },
    thumbnails: { background: false },
    ...extra,
    users: { ...CHEAP_PASSWORDS, ...extra.users },
  });
}

/** Signs in over HTTP; the `kw_session=…` cookie to send back. */
export async function signIn(app: Headless, username: string, password: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${app.port}/api/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const cookie = /kw_session=[^;]+/.exec(res.headers.get('set-cookie') ?? '')?.[0];
  if (res.status !== 200 || !cookie) throw new Error(`sign-in of ${username}: ${res.status} ${await res.text()}`);
  return cookie;
}

/** The answer to a WebSocket upgrade: 101 when it opened (and is closed again), else the HTTP status. */
export function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', () => resolve(0));
  });
}
