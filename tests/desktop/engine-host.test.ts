/**
 * The engine host (the utility process's service) driven by the main-process
 * client through an in-memory, structured-cloning message pair: the same code
 * paths as in the desktop app, with a real engine in a temp folder and
 * without Electron. No camera is recording, so no ffmpeg runs.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { EngineClient, type ChildLike } from '../../main/electron/engine-client.ts';
import { EngineHostService } from '../../main/electron/host-service.ts';
import type { HostStartConfig } from '../../main/electron/host-protocol.ts';
import type { EngineStatus } from '../../preload/api.ts';
import { tempDir } from '../helpers/tmp.ts';

const temps: { cleanup(): void }[] = [];
afterAll(() => temps.forEach((t) => t.cleanup()));

/** main ⇄ utility process, as two ends of a structured-cloning channel. */
function launch() {
  const listeners = { message: [] as ((m: unknown) => void)[], exit: [] as ((code: number) => void)[] };
  let toHost: (m: unknown) => void = () => undefined;
  let exited: number | null = null;
  const exit = (code: number) => {
    if (exited !== null) return;
    exited = code;
    listeners.exit.forEach((l) => l(code));
  };
  const service = new EngineHostService(
    {
      postMessage: (m) => setImmediate(() => exited === null && listeners.message.forEach((l) => l(structuredClone(m)))),
      onMessage: (l) => (toHost = l),
    },
    { exit, statusDebounceMs: 20, statusIntervalMs: 60_000 },
  ).listen();
  const child: ChildLike = {
    postMessage: (m) => setImmediate(() => toHost(structuredClone(m))),
    on: (event: 'message' | 'exit', l: never) => listeners[event].push(l),
    kill: () => {
      exit(-9);
      return true;
    },
  };
  return { client: new EngineClient(child, 10_000), service, exited: () => exited };
}

function config(overrides: Partial<HostStartConfig> = {}): HostStartConfig {
  const t = tempDir('kw-host-');
  temps.push(t);
  mkdirSync(join(t.dir, 'engine'));
  return {
    dataDir: join(t.dir, 'engine'),
    recordingsDir: join(t.dir, 'footage'),
    resourcesDir: null,
    staticDir: null,
    token: randomBytes(24).toString('base64url'),
    port: 0,
    secretKey: null,
    ...overrides,
  };
}

describe('engine host ⇄ main', () => {
  it('starts the engine, answers operations, serves the loopback API with the per-launch token, and stops cleanly', async () => {
    const { client, exited } = launch();
    const statuses: EngineStatus[] = [];
    client.on('status', (s) => statuses.push(s));
    const cfg = config({ secretKey: randomBytes(32).toString('base64') });
    const { port, recordingsRoot } = await client.start(cfg);
    expect(port).toBeGreaterThan(0);
    expect(recordingsRoot).toBe(cfg.recordingsDir);

    await expect(client.call('health', {})).resolves.toMatchObject({ ok: true, value: { ok: true } });
    await expect(client.call('listCameras', undefined)).resolves.toEqual({ ok: true, value: [] });
    // The host's dispatcher validates again, whatever main did.
    await expect(client.call('getCamera', { id: '../../etc/passwd' })).resolves.toEqual({
      ok: false,
      error: { code: 'invalid_input', message: 'id: id must be a positive integer' },
    });
    await expect(client.call('nope' as never, {})).resolves.toMatchObject({ ok: false, error: { code: 'not_found' } });

    // Credentials sealed with the key from main: no key file is written.
    const added = await client.call('addCamera', { name: 'Porch', mainUrl: 'rtsp://127.0.0.1:9/stream', username: 'admin', password: 's3cret!', enabled: false });
    expect(added).toMatchObject({ ok: true, value: { name: 'Porch', hasCredentials: true } });
    expect(JSON.stringify(added)).not.toContain('s3cret!');
    expect(existsSync(join(cfg.dataDir, 'secret.key'))).toBe(false);

    // The loopback server: token from main (cookie), never from a file.
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/api/health`)).status).toBe(401);
    const ok = await fetch(`${base}/api/cameras`, { headers: { Cookie: `kw_token=${encodeURIComponent(cfg.token)}` } });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { name: string }[])[0].name).toBe('Porch');
    expect(existsSync(join(cfg.dataDir, 'api-token'))).toBe(false);

    // A recording that does not exist (recordings reach the window through the loopback media route).
    const missing = await fetch(`${base}/api/recordings/12345/media`, { headers: { Cookie: `kw_token=${encodeURIComponent(cfg.token)}` } });
    expect(missing.status).toBe(404);

    // Status reaches main (camera changes are pushed, debounced).
    await expect.poll(() => statuses.at(-1)?.cameras.map((c) => c.name), { timeout: 5000 }).toEqual(['Porch']);

    await client.stop(10_000);
    expect(exited()).toBe(0);
    expect(existsSync(join(cfg.dataDir, 'engine.lock'))).toBe(false);
    await expect(client.call('health', {})).resolves.toMatchObject({ ok: false, error: { code: 'unavailable' } });
    await expect(fetch(`${base}/api/health`)).rejects.toThrow();
  });

  it('reports a start-up failure instead of hanging', async () => {
    const cfg = config();
    writeFileSync(join(cfg.dataDir, '..', 'not-a-folder'), 'x');
    const { client } = launch();
    await expect(client.start({ ...cfg, dataDir: join(cfg.dataDir, '..', 'not-a-folder', 'engine') })).rejects.toThrow(/ENOTDIR|not a directory/);
  });

  it('falls back to any free port when the remembered one is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const taken = (blocker.address() as { port: number }).port;
    const { client } = launch();
    try {
      const { port } = await client.start(config({ port: taken }));
      expect(port).not.toBe(taken);
      expect(port).toBeGreaterThan(0);
    } finally {
      await client.stop();
      blocker.close();
    }
  });

  it('answers calls before start-up with "unavailable", and every pending call when the host dies', async () => {
    const { client } = launch();
    await expect(client.call('health', {})).resolves.toMatchObject({ ok: false, error: { code: 'unavailable', message: /starting/ } });
    const exits: [number, boolean][] = [];
    client.on('exit', (code, expected) => exits.push([code, expected]));
    const pending = client.call('health', {});
    (client as unknown as { child: ChildLike }).child.kill();
    await expect(pending).resolves.toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect(exits).toEqual([[-9, false]]);
  });
});
