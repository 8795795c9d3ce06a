// The express connection opens its camera with ffmpeg's frame-rate probe
// skipped (OpenOptions.quickProbe). The real ffmpeg must accept that option
// both ways the opener hands it over (before -i, or in the ffconcat list of a
// camera with a login) and still bring fragmented MP4 from a simulated
// camera. How much sooner it starts is the bench's business (docs/live.md).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RtspOpener } from '../../main/engine/ingest/opener.ts';
import { liveArgs } from '../../main/engine/ingest/ffmpeg-args.ts';
import { KeyFileSecretBox, sealCredentials } from '../../main/engine/secrets/secret-box.ts';
import type { CameraRow, StreamRow } from '../../main/engine/storage/store.ts';
import { startSimCameras, type SimCameraSet } from '../sim/cameras.ts';
import { tempDir } from '../helpers/tmp.ts';

let sims: SimCameraSet;
const tmp = tempDir('kw-quick-probe-');

beforeAll(async () => {
  sims = await startSimCameras([{ color: 4, fps: 15 }]);
}, 60_000);

afterAll(async () => {
  await sims?.stopAll();
  tmp.cleanup();
});

/** Runs ffmpeg on the opened source until its first media fragment; resolves with the args it ran. */
function firstFragment(source: ReturnType<RtspOpener['open']>): Promise<{ args: string[]; bytes: number }> {
  const args = liveArgs(source, { fragmentMs: 1 });
  return new Promise((resolve, reject) => {
    const proc = spawn('ffmpeg', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    let bytes = 0;
    const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.stdin.on('error', () => undefined);
    proc.stdin.end(source.stdin ?? '');
    proc.stdout.on('data', (d: Buffer) => {
      bytes += d.length;
      if (d.includes('moof')) {
        clearTimeout(timer);
        proc.kill('SIGKILL');
        resolve({ args, bytes });
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`ffmpeg ended (${code}) before a fragment: ${stderr.slice(-400)}`));
    });
  });
}

describe('quick probe against a real ffmpeg', () => {
  const box = KeyFileSecretBox.open(join(tmp.dir, 'key'));
  const camera = (credentials: CameraRow['credentials']): CameraRow => ({ id: 1, name: 'c', enabled: true, source: 'rtsp', credentials, maxAgeMs: null, createdAt: 0 });
  const stream = (): StreamRow => ({ id: 1, cameraId: 1, kind: 'main', url: sims.cameras[0].mainUrl, codec: null, width: null, height: null, audioCodec: null });

  it('brings media with the option before -i (a camera without a login)', async () => {
    const { args, bytes } = await firstFragment(new RtspOpener(box).open(camera(null), stream(), { quickProbe: true }));
    expect(args.slice(args.indexOf('-fpsprobesize'), args.indexOf('-fpsprobesize') + 2)).toEqual(['-fpsprobesize', '0']);
    expect(bytes).toBeGreaterThan(0);
  }, 30_000);

  it('brings media with the option in the concat list (a camera with a login)', async () => {
    const source = new RtspOpener(box).open(camera(sealCredentials(box, { username: 'viewer', password: 'p w' })), stream(), { quickProbe: true });
    expect(source.stdin).toMatch(/^option fpsprobesize '0'$/m);
    const { args } = await firstFragment(source);
    expect(args).not.toContain('-fpsprobesize'); // the concat demuxer probes the camera: the list carries it
  }, 30_000);
});
