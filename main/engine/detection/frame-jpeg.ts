/**
 * One decoded frame (rgb24 or yuv420p, handed over as it is) to a JPEG, by ffmpeg: raw pixels on stdin, the
 * JPEG on stdout. Argument array, no shell, low priority, with a deadline.
 * Used for review thumbnails and MQTT snapshots, at most a few per minute.
 */
import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import { formatOf, frameBytes } from './frame-format.ts';
import type { FrameFormat, RgbFrame } from './types.ts';

export function frameJpegArgs(width: number, height: number, outWidth: number, format: FrameFormat = 'rgb24'): string[] {
  return [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error',
    '-threads', '1',
    '-f', 'rawvideo', '-pix_fmt', format, '-s', `${width}x${height}`, '-i', 'pipe:0',
    '-frames:v', '1',
    '-vf', `scale=${Math.min(outWidth, width)}:-2:flags=bilinear`,
    '-q:v', '4',
    '-f', 'image2pipe', '-c:v', 'mjpeg', 'pipe:1',
  ];
}

export function encodeFrameJpeg(ffmpegPath: string, frame: RgbFrame, opts: { width?: number; timeoutMs?: number } = {}): Promise<Buffer> {
  const format = formatOf(frame);
  const expected = frameBytes(frame.width, frame.height, format);
  if (frame.data.length < expected) return Promise.reject(new Error(`frame has ${frame.data.length} bytes, expected ${expected}`));
  return new Promise((resolve, reject) => {
    const proc = spawn(ffmpegPath, frameJpegArgs(frame.width, frame.height, opts.width ?? 640, format), { stdio: ['pipe', 'pipe', 'pipe'], shell: false, windowsHide: true });
    try {
      if (proc.pid) setPriority(proc.pid, 10);
    } catch {
      // not permitted: fine
    }
    const out: Buffer[] = [];
    let err = '';
    let done = false;
    const finish = (e: Error | null, value?: Buffer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (e) {
        proc.kill('SIGKILL');
        reject(e);
      } else resolve(value!);
    };
    const timer = setTimeout(() => finish(new Error('ffmpeg took too long to encode a snapshot')), opts.timeoutMs ?? 10_000);
    proc.stdout.on('data', (d: Buffer) => out.push(d));
    proc.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    proc.stdin.on('error', () => undefined); // ffmpeg died early: reported by 'close'
    proc.on('error', (e) => finish(new Error(`could not start ffmpeg: ${e.message}`)));
    proc.on('close', (code) => {
      const jpeg = Buffer.concat(out);
      if (code === 0 && jpeg.length > 2 && jpeg[0] === 0xff && jpeg[1] === 0xd8) finish(null, jpeg);
      else finish(new Error(`ffmpeg could not encode the snapshot (exit ${code}): ${err.trim().split('\n').at(-1) ?? ''}`));
    });
    proc.stdin.end(Buffer.from(frame.data.buffer, frame.data.byteOffset, expected));
  });
}
