/**
 * Decodes exactly one frame: ffmpeg reads an init segment plus one keyframe
 * fragment from stdin (never the whole segment), scales it small and writes a
 * JPEG to stdout. Argument array, no shell; low CPU priority so it never
 * competes with recording.
 */
import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';

export interface RenderOptions {
  /** Width of the JPEG; height follows the aspect ratio. */
  width: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

export const DEFAULT_RENDER: RenderOptions = { width: 320, timeoutMs: 15_000 };

export function keyframeJpegArgs(width: number): string[] {
  return [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error',
    '-threads', '1',
    '-f', 'mp4', '-i', 'pipe:0',
    '-map', '0:v:0', '-frames:v', '1',
    '-vf', `scale=${width}:-2:flags=bilinear`,
    '-q:v', '5',
    '-f', 'image2pipe', '-c:v', 'mjpeg', 'pipe:1',
  ];
}

export function renderKeyframeJpeg(ffmpegPath: string, mp4: Buffer, opts: RenderOptions = DEFAULT_RENDER): Promise<Buffer> {
  if (opts.signal?.aborted) return Promise.reject(new Error('thumbnail cancelled'));
  return new Promise((resolve, reject) => {
    const proc = spawn(ffmpegPath, keyframeJpegArgs(opts.width), { stdio: ['pipe', 'pipe', 'pipe'], shell: false, windowsHide: true });
    try {
      if (proc.pid) setPriority(proc.pid, 10);
    } catch {
      // not permitted here: fine, the queue already runs one at a time
    }
    const out: Buffer[] = [];
    let err = '';
    let done = false;
    const finish = (e: Error | null, value?: Buffer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (e) {
        proc.kill('SIGKILL');
        reject(e);
      } else resolve(value!);
    };
    const onAbort = () => finish(new Error('thumbnail cancelled'));
    const timer = setTimeout(() => finish(new Error('ffmpeg took too long to decode a thumbnail')), opts.timeoutMs);
    opts.signal?.addEventListener('abort', onAbort);
    proc.stdout.on('data', (d: Buffer) => out.push(d));
    proc.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    proc.on('error', (e) => finish(new Error(`could not start ffmpeg: ${e.message}`)));
    proc.on('close', (code) => {
      const jpeg = Buffer.concat(out);
      if (code === 0 && jpeg.length > 2 && jpeg[0] === 0xff && jpeg[1] === 0xd8) finish(null, jpeg);
      else finish(new Error(`ffmpeg could not decode the keyframe (${code}): ${err.trim().split('\n').pop() ?? ''}`));
    });
    // ffmpeg may exit before reading everything (it needs one frame): ignore EPIPE.
    proc.stdin.on('error', () => undefined);
    proc.stdin.end(mp4);
  });
}
