/**
 * The `keepwatch` command (issue 13): the headless recorder as built
 * JavaScript, one Node process, no TypeScript loader at run time.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'out/cli/keepwatch.mjs');
const tmp = tempDir('kw-cli-');

beforeAll(() => {
  const built = spawnSync(process.execPath, [join(root, 'scripts/build-cli.mjs')], { encoding: 'utf8', cwd: root });
  expect(built.status, built.stderr).toBe(0);
}, 120_000);

afterAll(() => tmp.cleanup());

describe('keepwatch', () => {
  it('is the package bin and knows its version', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string>; version: string; scripts: Record<string, string> };
    expect(pkg.bin.keepwatch).toBe('out/cli/keepwatch.mjs');
    for (const script of ['serve', 'demo', 'verify']) expect(pkg.scripts[script]).toContain(`node out/cli/keepwatch.mjs ${script}`);
    const out = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
    expect(out.stdout.trim()).toBe(`keepwatch ${pkg.version}`);
    expect(spawnSync(process.execPath, [bin, 'nonsense'], { encoding: 'utf8' }).status).toBe(2);
  });

  it('serves as one plain Node process, without a TypeScript loader', async () => {
    const child = spawn(process.execPath, [bin, 'serve', '--data', join(tmp.dir, 'data'), '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /Open (http:\/\/\S+)/.exec(out);
          if (m) resolve(m[1]);
        });
        child.once('exit', (code) => reject(new Error(`keepwatch serve exited (${code}): ${out}`)));
      });
      const { origin } = new URL(url);
      const token = new URL(url).searchParams.get('token')!;
      const health = await fetch(`${origin}/api/health`, { headers: { Authorization: `Bearer ${token}` } });
      expect(health.status).toBe(200);
      // What runs is the built file itself: no `--import tsx`, no loader, no npm wrapper.
      const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      expect(cmdline).toEqual([process.execPath, bin, 'serve', '--data', join(tmp.dir, 'data'), '--port', '0']);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }, 60_000);

  it('verifies an export folder, and says so when it is not one', () => {
    const out = spawnSync(process.execPath, [bin, 'verify', tmp.dir], { encoding: 'utf8' });
    expect(out.status).not.toBe(0);
  });
});
