/**
 * One decoded frame (rgb24 or yuv420p, handed over as it is) to a JPEG, by ffmpeg: raw pixels on stdin, the
 * JPEG on stdout. Argument array, no shell, low priority, with a deadline.
 * Used for review thumbnails and MQTT snapshots, at most a few per minute.
 */
import { jpegFromFfmpeg } from '../ingest/ffmpeg-jpeg.ts';
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
  const args = frameJpegArgs(frame.width, frame.height, opts.width ?? 640, format);
  const pixels = Buffer.from(frame.data.buffer, frame.data.byteOffset, expected);
  return jpegFromFfmpeg(ffmpegPath, args, pixels, { what: 'snapshot', timeoutMs: opts.timeoutMs ?? 10_000 });
}
