// Proves the simulated-camera fixture works (tests/sim/README.md).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PALETTE, startSimCameras, type SimCameraSet } from './cameras.ts';
import { decodeTimestamps, fileSignature, makeTestFile } from './signature.ts';

const T = 60_000;
const dir = mkdtempSync(join(tmpdir(), 'keepwatch-sim-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - t0 }));
  });
}

interface Stream {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
}
async function probe(url: string, timeoutUs = 5_000_000): Promise<Stream[] | null> {
  const r = await run('ffprobe', [
    '-v', 'error', '-rtsp_transport', 'tcp', '-timeout', String(timeoutUs),
    '-show_entries', 'stream=codec_type,codec_name,width,height', '-of', 'json', url,
  ]);
  return r.code === 0 ? (JSON.parse(r.stdout).streams as Stream[]) : null;
}

function record(url: string, out: string, seconds: number, transport: 'tcp' | 'udp' = 'tcp') {
  return run('ffmpeg', [
    '-v', 'error', '-y', '-rtsp_transport', transport, '-timeout', '5000000',
    '-i', url, '-map', '0:v', '-c', 'copy', '-t', String(seconds), out,
  ]);
}

describe('live sim cameras', () => {
  let set: SimCameraSet;
  beforeAll(async () => {
    set = await startSimCameras([
      { color: 0, sub: true },
      { color: 4, width: 480, height: 270 },
    ]);
  }, T);
  afterAll(() => set?.stopAll());

  it('serves H.264 at the requested size on distinct ports', async () => {
    const [a, b] = set.cameras;
    expect(a!.port).not.toBe(b!.port);
    const [pa, pb] = await Promise.all([probe(a!.mainUrl), probe(b!.mainUrl)]);
    expect(pa).toEqual([{ codec_type: 'video', codec_name: 'h264', width: 640, height: 360 }]);
    expect(pb).toEqual([{ codec_type: 'video', codec_name: 'h264', width: 480, height: 270 }]);
  }, T);

  it('recordings carry the camera colour and the capture time', async () => {
    const [a, b] = set.cameras;
    const t0 = Date.now();
    // Three clients at once: TCP and UDP, two on the same camera.
    const results = await Promise.all([
      record(a!.mainUrl, join(dir, 'a.mp4'), 3),
      record(a!.mainUrl, join(dir, 'a-udp.mp4'), 3, 'udp'),
      record(b!.mainUrl, join(dir, 'b.mp4'), 3, 'udp'),
    ]);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const expected = { 'a.mp4': 0, 'a-udp.mp4': 0, 'b.mp4': 4 };
    for (const [name, index] of Object.entries(expected)) {
      const sig = await fileSignature(join(dir, name));
      expect(sig.indices.length, name).toBeGreaterThanOrEqual(2); // 1 sample per second
      expect(sig.consistent, name).toBe(true);
      expect(sig.indices[0], name).toBe(index);
      expect(sig.maxDistance, name).toBeLessThan(20);
    }
    expect(b!.color).toEqual(PALETTE[4]!.rgb);

    const stamps = await decodeTimestamps(join(dir, 'a.mp4'));
    expect(stamps.length).toBeGreaterThan(30); // 3 s at 15 fps
    for (const s of stamps) {
      expect(s.epochMs).not.toBeNull();
      expect(s.epochMs!).toBeGreaterThanOrEqual(t0 - 1000);
      expect(s.epochMs!).toBeLessThanOrEqual(Date.now());
    }
    const last = stamps.at(-1)!;
    const first = stamps[0]!;
    // Wall-clock span matches the file's timeline (100 ms barcode resolution).
    expect(Math.abs(last.epochMs! - first.epochMs! - (last.pts - first.pts) * 1000)).toBeLessThan(300);
  }, T);

  it('serves the sub stream at half size with the same colour', async () => {
    const a = set.cameras[0]!;
    expect(await probe(a.subUrl!)).toEqual([{ codec_type: 'video', codec_name: 'h264', width: 320, height: 180 }]);
    expect((await record(a.subUrl!, join(dir, 'sub.mp4'), 2)).code).toBe(0);
    const sig = await fileSignature(join(dir, 'sub.mp4'));
    expect(sig.consistent).toBe(true);
    expect(sig.indices[0]).toBe(0);
    expect((await decodeTimestamps(join(dir, 'sub.mp4'), { fps: 2 })).every((s) => s.epochMs !== null)).toBe(true);
  }, T);

  it('drop kills connections; restore serves again on the same URL', async () => {
    const b = set.cameras[1]!;
    const pid = b.pid;
    const recording = record(b.mainUrl, join(dir, 'dropped.mp4'), 30);
    await new Promise((r) => setTimeout(r, 1500));
    await b.drop();
    expect(b.pid).toBeUndefined();
    const r = await recording; // the client notices at once, long before -t 30
    expect(r.ms).toBeLessThan(10_000);
    expect(await probe(b.mainUrl, 2_000_000)).toBeNull(); // connection refused

    await b.restore();
    expect(b.pid).not.toBe(pid);
    expect((await probe(b.mainUrl))?.[0]?.codec_name).toBe('h264');
  }, T);

  it('freeze stalls the server without closing it; thaw resumes', async () => {
    const a = set.cameras[0]!;
    await a.freeze();
    const stalled = await probe(a.mainUrl, 2_000_000);
    expect(stalled).toBeNull();
    await a.thaw();
    expect((await probe(a.mainUrl))?.[0]?.width).toBe(640);
  }, T);

  it('stopAll leaves no process behind', async () => {
    const pids = set.cameras.map((c) => c.pid!);
    await set.stopAll();
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  }, T);
});

describe('camera variants', () => {
  let set: SimCameraSet;
  const file = join(dir, 'clip.mp4');
  beforeAll(async () => {
    await makeTestFile(file, { width: 640, height: 360, fps: 25, seconds: 2, color: 9 });
    set = await startSimCameras([{ audio: 'pcmu' }, { codec: 'h265' }, { file, audio: 'pcmu' }]);
  }, T);
  afterAll(() => set?.stopAll());

  it('pcmu variant has a G.711 mu-law track', async () => {
    const streams = await probe(set.cameras[0]!.mainUrl);
    expect(streams?.map((s) => s.codec_name)).toEqual(['h264', 'pcm_mulaw']);
  }, T);

  it('h265 variant serves HEVC', async () => {
    const c = set.cameras[1]!;
    expect(await probe(c.mainUrl)).toEqual([{ codec_type: 'video', codec_name: 'hevc', width: 640, height: 360 }]);
    expect((await record(c.mainUrl, join(dir, 'h265.mp4'), 2)).code).toBe(0);
    expect((await fileSignature(join(dir, 'h265.mp4'))).indices[0]).toBe(1);
  }, T);

  it('file variant loops a pre-encoded clip', async () => {
    const c = set.cameras[2]!;
    const streams = await probe(c.mainUrl);
    expect(streams?.map((s) => s.codec_name)).toEqual(['h264', 'pcm_mulaw']);
    // 3 s from a 2 s clip: the loop must continue seamlessly.
    const r = await record(c.mainUrl, join(dir, 'file.mp4'), 3);
    expect(r.code, r.stderr).toBe(0);
    const sig = await fileSignature(join(dir, 'file.mp4'), { fps: 2 });
    expect(sig.consistent).toBe(true);
    expect(sig.indices[0]).toBe(9);
    expect(sig.indices.length).toBeGreaterThanOrEqual(5);
  }, T);
});
