/**
 * Issue 2, test 6: hostile and malformed input over the public HTTP API gets a
 * clear 4xx, spawns nothing, reads nothing outside the recordings folder, and
 * the server keeps running. Credentials never come back out.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHeadless, type Headless } from '../../main/headless.ts';
import { httpRoutes } from '../../preload/http-routes.ts';
import { OPERATION_ACCESS } from '../../preload/api.ts';
import { rawRoutes } from '../../preload/raw-routes.ts';
import { nodeProcessRunner, type ProcessRunner } from '../../main/engine/ingest/process-runner.ts';
import { MemorySink } from '../../main/engine/log.ts';
import { tempDir } from '../helpers/tmp.ts';
import { FAST_RECORDER } from '../helpers/engine.ts';
import { sleep } from '../helpers/wait.ts';
import { databaseOf } from '../../main/engine/storage/store.ts';

let app: Headless;
const tmp = tempDir('kw-http-');
const spawned: string[][] = [];
const stdins: string[] = [];
const logs = new MemorySink();
const runner: ProcessRunner = {
  spawn(cmd, args, options) {
    spawned.push([...args]);
    stdins.push(options?.stdin ?? '');
    return nodeProcessRunner.spawn(cmd, args, options);
  },
};

beforeAll(async () => {
  app = await startHeadless({ dataDir: tmp.dir, port: 0, runner, logSink: logs, recorder: FAST_RECORDER, staticDir: null });
});
afterAll(async () => {
  await app?.stop();
  tmp.cleanup();
});

interface Reply {
  status: number;
  body: string;
  json: any;
}

/** A raw request: the path is sent exactly as given (no client-side normalisation). */
function send(method: string, path: string, opts: { body?: string; headers?: Record<string, string>; token?: string | null } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
    const token = opts.token === undefined ? app.token : opts.token;
    if (token) headers.authorization = `Bearer ${token}`;
    const req = request({ host: '127.0.0.1', port: app.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json: unknown = null;
        try {
          json = JSON.parse(body);
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode!, body, json });
      });
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

describe('the API refuses bad input clearly', () => {
  it('requires the token on every request', async () => {
    expect((await send('GET', '/api/health', { token: null })).status).toBe(401);
    expect((await send('GET', '/api/cameras', { token: 'x'.repeat(32) })).status).toBe(401);
    expect((await send('GET', `/api/cameras?token=${app.token}`, { token: null })).status).toBe(200);
    // The page itself is public (it shows the sign-in form); everything it would show is behind the API.
    expect((await send('GET', '/', { token: null })).status).toBe(200);
  });

  it('refuses every route of both route tables without the token, new ones included', async () => {
    const path = (pattern: string) => pattern.replace(':id', '1').replace(':stream', 'main').replace(':file', 'manifest.json');
    // Only the sign-in and first-run setup operations answer a caller without credentials.
    for (const route of httpRoutes.filter((r) => OPERATION_ACCESS[r.op].kind !== 'public')) {
      const r = await send(route.method, path(route.path), { token: null, body: route.method === 'GET' || route.method === 'DELETE' ? undefined : '{}' });
      expect(r.status, `${route.method} ${route.path}`).toBe(401);
    }
    for (const route of rawRoutes.filter((r) => r.kind === 'get')) {
      expect((await send('GET', path(route.path), { token: null })).status, route.path).toBe(401);
    }
    for (const route of rawRoutes.filter((r) => r.kind === 'websocket')) {
      const status = await new Promise<number>((resolve) => {
        const req = request({
          host: '127.0.0.1',
          port: app.port,
          path: path(route.path),
          headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' },
        });
        req.on('response', (res) => resolve(res.statusCode ?? 0));
        req.on('upgrade', (_res, socket) => (socket.destroy(), resolve(101)));
        req.on('error', () => resolve(0));
        req.end();
      });
      expect(status, route.path).toBe(401);
    }
  });

  it('refuses foreign Host headers (DNS rebinding) and cross-origin writes', async () => {
    expect((await send('GET', '/api/cameras', { headers: { host: 'evil.example:80' } })).status).toBe(403);
    const r = await send('POST', '/api/cameras', { body: '{}', headers: { origin: 'http://evil.example' } });
    expect(r.status).toBe(403);
  });

  it.each([
    ['{bad json', /malformed JSON/],
    ['[1,2,3]', /expected object|Invalid input/i],
    ['"a string"', /expected object|Invalid input/i],
    ['{"name":"x"}', /mainUrl/],
    ['{"name":"x","mainUrl":"rtsp://127.0.0.1/a","extra":1}', /unknown field.*"extra"/],
  ])('POST /api/cameras %s → 400', async (body, why) => {
    const r = await send('POST', '/api/cameras', { body });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(why);
  });

  it.each([
    '-i /etc/passwd',
    '-f lavfi -i testsrc',
    'file:///etc/passwd',
    'file:/etc/shadow',
    'concat:/etc/passwd|/etc/hosts',
    'pipe:0',
    'subfile,,start,0,end,100,,:/etc/passwd',
    'http://127.0.0.1/stream',
    'tcp://127.0.0.1:554',
    'rtsp://cam/ -i file:/etc/passwd',
    'rtsp://cam/\r\n-i x',
    ' rtsp://cam/',
  ])('a camera URL %j is refused and nothing is spawned', async (url) => {
    const before = spawned.length;
    for (const field of ['mainUrl', 'subUrl']) {
      const body = JSON.stringify({ name: 'evil', mainUrl: field === 'mainUrl' ? url : 'rtsp://127.0.0.1:9/ok', ...(field === 'subUrl' ? { subUrl: url } : {}) });
      const r = await send('POST', '/api/cameras', { body });
      expect(r.status, `${field} ${url}`).toBe(400);
      expect(r.json.error.code).toBe('invalid_input');
      expect(r.json.error.message).toMatch(new RegExp(field));
    }
    expect(spawned.length).toBe(before);
    expect((await send('GET', '/api/cameras')).json).toEqual([]);
  });

  it.each([
    ['GET', '/api/cameras/999', 404],
    ['PATCH', '/api/cameras/999', 404],
    ['DELETE', '/api/cameras/999', 404],
    ['GET', '/api/recordings/999/media', 404],
    ['GET', '/api/cameras/..%2F..%2Fetc%2Fpasswd', 400],
    ['DELETE', '/api/cameras/..%2F..%2Fetc%2Fpasswd', 400],
    ['GET', '/api/recordings/..%2F..%2Fetc%2Fpasswd/media', 400],
    ['GET', '/api/recordings/../../../../etc/passwd/media', 400],
    ['GET', '/../../../../etc/passwd', 400],
    ['GET', '/assets/..%2F..%2F..%2Fetc%2Fpasswd', 400],
    ['GET', '/api/recordings/%2e%2e%2f%2e%2e%2fetc%2fpasswd/media', 400],
    ['GET', '/api/recordings/1e3/media', 400],
    ['GET', '/api/cameras/-1', 400],
    ['GET', '/api/nope', 404],
    ['PUT', '/api/cameras', 405],
  ])('%s %s → %d', async (method, path, status) => {
    const r = await send(method, path, { body: method === 'PATCH' ? '{"name":"x"}' : undefined });
    expect(r.status).toBe(status);
    expect(r.body).not.toContain('root:');
    expect(r.json?.error?.message).toBeTruthy();
  });

  it.each([
    ['camera=1&from=10&to=5', /"from" must be before "to"/],
    ['camera=1&from=abc&to=5', /from/],
    ['camera=1&from=0&to=99999999999999999999', /to/],
    ['from=0&to=5', /camera/],
    ['camera=../../etc/passwd&from=0&to=5', /camera: id must be a positive integer/],
    ['camera=1&from=-100&to=5', /from/],
  ])('GET /api/recordings?%s → 400', async (qs, why) => {
    const r = await send('GET', `/api/recordings?${qs}`);
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(why);
  });

  it('an unknown camera in a recordings query is a 404', async () => {
    const r = await send('GET', '/api/recordings?camera=12345&from=0&to=1000');
    expect(r.status).toBe(404);
    expect(r.json.error.message).toMatch(/no camera with id 12345/);
  });

  it('refuses oversized bodies', async () => {
    const r = await send('POST', '/api/cameras', { body: JSON.stringify({ name: 'x', mainUrl: 'rtsp://a/' + 'a'.repeat(2 * 1024 * 1024) }) });
    expect(r.status).toBe(413);
  });

  it('never returns, logs or stores credentials in the clear', async () => {
    const r = await send('POST', '/api/cameras', {
      body: JSON.stringify({ name: 'door', mainUrl: 'rtsp://admin:Sup3r-Secret@127.0.0.1:9/live' }),
    });
    expect(r.status).toBe(201);
    expect(r.body).not.toContain('Sup3r-Secret');
    expect(r.json).toMatchObject({ name: 'door', mainUrl: 'rtsp://127.0.0.1:9/live', hasCredentials: true });
    // The camera at port 9 refuses: the error shown must be redacted.
    await sleep(3000);
    const list = await send('GET', '/api/cameras');
    expect(list.json[0].status.state).toBe('offline');
    expect(list.json[0].status.lastError).toBeTruthy();
    expect(list.body).not.toContain('Sup3r-Secret');
    expect(logs.lines.join('\n')).not.toContain('Sup3r-Secret');
    expect(logs.lines.join('\n')).not.toContain('admin:');
    // ffmpeg got the credentials (it must) on its stdin; its argument list, which every
    // local account can read, holds neither the password nor the address with it.
    expect(stdins.at(-1)).toContain("file 'rtsp://admin:Sup3r-Secret@127.0.0.1:9/live'");
    expect(spawned.at(-1)!.join(' ')).not.toContain('Sup3r-Secret');
    expect(spawned.at(-1)!.join(' ')).not.toContain('admin');
    // The database holds only ciphertext.
    databaseOf(app.engine.store).pragma('wal_checkpoint(TRUNCATE)');
    expect(readFileSync(join(tmp.dir, 'keepwatch.db')).includes('Sup3r-Secret')).toBe(false);
    // Editing the name keeps the credentials; removing the camera works.
    const patched = await send('PATCH', `/api/cameras/${r.json.id}`, { body: '{"name":"front door","enabled":false}' });
    expect(patched.json).toMatchObject({ name: 'front door', enabled: false, hasCredentials: true, status: { state: 'disabled' } });
    expect((await send('DELETE', `/api/cameras/${r.json.id}`)).json).toEqual({ removed: r.json.id });
  });

  it('is still healthy after all of that', async () => {
    const r = await send('GET', '/api/health');
    expect(r.json).toMatchObject({ ok: true, version: expect.any(String) });
  });
});
