/**
 * Keepwatch exactly as a user runs it, for the benchmarks: the built
 * `keepwatch serve` command (scripts/build-cli.mjs), one Node process,
 * with cameras added over the HTTP API like any script would.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
export const CLI = join(root, 'out/cli/keepwatch.mjs');

export function buildCli(): void {
  const built = spawnSync(process.execPath, [join(root, 'scripts/build-cli.mjs')], { stdio: 'inherit' });
  if (built.status !== 0) throw new Error('could not build the keepwatch command');
}

export interface RunningKeepwatch {
  child: ChildProcess;
  origin: string;
  headers: Record<string, string>;
  /** Adds a camera by its RTSP URL; resolves with its id. */
  addCamera(name: string, mainUrl: string): Promise<number>;
}

export async function startKeepwatch(dataDir: string): Promise<RunningKeepwatch> {
  const child = spawn(process.execPath, [...(process.env.KW_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.KW_CPU_PROF] : []), CLI, 'serve', '--data', dataDir, '--port', '0'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const url = await new Promise<URL>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /Open (http:\/\/\S+)/.exec(out);
      if (m) resolve(new URL(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`keepwatch serve exited (${code})`)));
  });
  const headers = { Authorization: `Bearer ${url.searchParams.get('token')}`, 'Content-Type': 'application/json' };
  return {
    child,
    origin: url.origin,
    headers,
    async addCamera(name, mainUrl) {
      const res = await fetch(`${url.origin}/api/cameras`, { method: 'POST', headers, body: JSON.stringify({ name, mainUrl }) });
      if (res.status !== 201) throw new Error(`could not add camera ${name}: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { id: number }).id;
    },
  };
}
