/**
 * Issue 9, test 4: one recorder per camera stream, on every OS.
 *
 * Without Linux's parent-death signal (macOS, Windows, or a Linux without
 * setpriv), a SIGKILLed engine leaves its ffmpeg recorders running. The next
 * engine on the same data folder must end them before it starts its own:
 * at restart every camera has exactly one recorder. And the POSIX watchdog
 * the engine uses where there is no parent-death signal (macOS) kills
 * ffmpeg by itself when the engine dies.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimCameras, type SimCameraSet } from '../sim/cameras.ts';
import { tempDir } from '../helpers/tmp.ts';
import { waitFor } from '../helpers/wait.ts';

const CHILD = fileURLToPath(new URL('../helpers/engine-child.ts', import.meta.url));
let sims: SimCameraSet;
const children: ChildProcess[] = [];

beforeAll(async () => {
  sims = await startSimCameras([{ color: 0 }, { color: 4 }]);
}, 60_000);

afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

afterAll(async () => {
  await sims?.stopAll();
});

/** The ffmpeg processes writing into `dir` (their command line names it): pids. */
function ffmpegsOf(dir: string): number[] {
  const out = spawnSync('ps', ['-eo', 'pid=,comm=,args='], { encoding: 'utf8' }).stdout;
  return out
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(\S+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => !!m && m[2] === 'ffmpeg' && m[3].includes(dir))
    .map((m) => Number(m[1]));
}

/** Starts an engine process on `dir`; resolves once it recorded a segment of every camera. */
async function startEngine(dir: string, parentDeath?: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, '2', ...sims.cameras.map((c) => c.mainUrl)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...(parentDeath ? { KW_PARENT_DEATH: parentDeath } : {}) },
  });
  children.push(child);
  const cameras = new Set<number>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const msg = JSON.parse(line) as { event: string; segment?: { cameraId: number } };
    if (msg.event === 'segment') cameras.add(msg.segment!.cameraId);
  });
  await waitFor(() => cameras.size === sims.cameras.length, { timeoutMs: 45_000, what: 'a segment of every camera' });
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

describe('one recorder per camera stream', () => {
  it('ends the recorders a killed engine left behind before starting its own', async () => {
    const tmp = tempDir('kw-strays-');
    try {
      // The platforms without a parent-death signal: the engine's ffmpegs survive its SIGKILL.
      const first = await startEngine(tmp.dir, 'none');
      const before = ffmpegsOf(tmp.dir);
      expect(before).toHaveLength(sims.cameras.length);
      await kill(first);
      await new Promise((r) => setTimeout(r, 500));
      expect(ffmpegsOf(tmp.dir).sort(), 'the orphans keep recording').toEqual([...before].sort());

      // The next engine on the same folder: exactly one recorder per camera, none of the old ones.
      const second = await startEngine(tmp.dir);
      const after = ffmpegsOf(tmp.dir);
      expect(after).toHaveLength(sims.cameras.length);
      expect(after.filter((pid) => before.includes(pid))).toEqual([]);
      await kill(second);
    } finally {
      tmp.cleanup();
    }
  }, 150_000);

  it('kills ffmpeg with the engine through the POSIX watchdog (the macOS path)', async () => {
    const tmp = tempDir('kw-watchdog-');
    try {
      const engine = await startEngine(tmp.dir, 'watchdog');
      expect(ffmpegsOf(tmp.dir)).toHaveLength(sims.cameras.length);
      await kill(engine);
      await waitFor(() => ffmpegsOf(tmp.dir).length === 0, { timeoutMs: 5_000, what: 'the watchdog to end every ffmpeg' });
    } finally {
      tmp.cleanup();
    }
  }, 90_000);
});
