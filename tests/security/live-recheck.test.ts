/**
 * Issue 11: live viewers are re-checked when their user's rights change.
 * Demoting an admin, deleting a user, revoking its session or token, or
 * taking the `live` right away closes that user's open viewers within 1 s;
 * everyone else's keep playing.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Headless } from '../../main/headless.ts';
import { signIn, startTestServer } from '../helpers/test-server.ts';
import { LIVE_CLOSE } from '../../preload/api.ts';
import { startSimCameras, type SimCameraSet } from '../sim/cameras.ts';
import { tempDir } from '../helpers/tmp.ts';
import { waitFor } from '../helpers/wait.ts';
import { makeClips } from '../live/browser-fixture.ts';

const tmp = tempDir('kw-live-recheck-');
const PASSWORD = 'a long enough passphrase';
let sims: SimCameraSet;
let app: Headless;
let camera = 0;
let serial = 0;
const base = () => `http://127.0.0.1:${app.port}`;

async function owner<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(base() + path, { method, headers: { Authorization: `Bearer ${app.token}`, 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** A new account and a signed-in cookie for it. */
async function account(role: 'admin' | 'viewer', cameras: unknown[]): Promise<{ id: number; cookie: string }> {
  const username = `person${++serial}`;
  const { id } = await owner<{ id: number }>('POST', '/api/users', { username, password: PASSWORD, role, cameras });
  return { id, cookie: await signIn(app, username, PASSWORD) };
}

/** A live viewer that has received video; resolves its close. */
async function watching(headers: Record<string, string>): Promise<{ closed: Promise<{ code: number; at: number }>; ws: WebSocket }> {
  const ws = new WebSocket(`ws://127.0.0.1:${app.port}/api/live/${camera}/main`, { headers: { ...headers, Origin: base() } });
  let frames = 0;
  ws.on('message', (_d, binary) => binary && frames++);
  const closed = new Promise<{ code: number; at: number }>((r) => ws.once('close', (code) => r({ code, at: Date.now() })));
  await waitFor(() => frames >= 2, { timeoutMs: 20_000, what: 'live video' });
  return { closed, ws };
}

async function closesWithin1s(change: () => Promise<unknown>, viewer: { closed: Promise<{ code: number; at: number }> }): Promise<void> {
  const t0 = Date.now();
  await change();
  const close = await Promise.race([viewer.closed, new Promise<null>((r) => setTimeout(() => r(null), 1500))]);
  expect(close, 'the viewer was not closed').not.toBeNull();
  expect(close!.code).toBe(LIVE_CLOSE.gone);
  expect(close!.at - t0).toBeLessThan(1000);
}

beforeAll(async () => {
  const clips = join(tmp.dir, 'clips');
  mkdirSync(clips);
  sims = await startSimCameras(await makeClips(clips, [{ color: 2 }]));
  app = await startTestServer(join(tmp.dir, 'data'));
  camera = (await owner<{ id: number }>('POST', '/api/cameras', { name: 'Door', mainUrl: sims.cameras[0].mainUrl })).id;
}, 90_000);

afterAll(async () => {
  await app?.stop();
  await sims?.stopAll();
  tmp.cleanup();
}, 30_000);

describe('live viewers follow their user’s rights', () => {
  it('closes the viewers of a demoted admin, a removed user, a revoked session and token, and a withdrawn right — only theirs', async () => {
    const bystander = await account('viewer', [camera]);
    const keeps = await watching({ Cookie: bystander.cookie });

    const admin = await account('admin', []);
    await closesWithin1s(() => owner('PATCH', `/api/users/${admin.id}`, { role: 'viewer' }), await watching({ Cookie: admin.cookie }));

    const removed = await account('viewer', [camera]);
    await closesWithin1s(() => owner('DELETE', `/api/users/${removed.id}`), await watching({ Cookie: removed.cookie }));

    const revoked = await account('viewer', [camera]);
    const sessions = await owner<{ id: number }[]>('GET', `/api/sessions?user=${revoked.id}`);
    await closesWithin1s(() => owner('DELETE', `/api/sessions/${sessions[0].id}`), await watching({ Cookie: revoked.cookie }));

    const scripted = await account('viewer', [camera]);
    const tokenRes = await fetch(base() + '/api/tokens', { method: 'POST', headers: { Cookie: scripted.cookie, 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'watcher' }) });
    const token = (await tokenRes.json()) as { id: number; token: string };
    await closesWithin1s(() => owner('DELETE', `/api/tokens/${token.id}`), await watching({ Authorization: `Bearer ${token.token}` }));

    // Only `live` taken away (playback kept): the live view goes.
    const narrowed = await account('viewer', [camera]);
    await closesWithin1s(() => owner('PATCH', `/api/users/${narrowed.id}`, { cameras: [{ id: camera, rights: ['playback'] }] }), await watching({ Cookie: narrowed.cookie }));

    // The bystander saw none of it.
    expect(keeps.ws.readyState).toBe(WebSocket.OPEN);
    keeps.ws.terminate();
  }, 120_000);
});
