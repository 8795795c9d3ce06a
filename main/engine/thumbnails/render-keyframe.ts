/**
 * Decodes exactly one frame: ffmpeg reads an init segment plus one keyframe
 * fragment from stdin (never the whole segment), scales it small and writes a
 * JPEG to stdout. Argument array, no shell; low CPU priority so it never
 * competes with recording.
 */
import { jpegFromFfmpeg } from '../ingest/ffmpeg-jpeg.ts';

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
  return jpegFromFfmpeg(ffmpegPath, keyframeJpegArgs(opts.width), mp4, { what: 'thumbnail', timeoutMs: opts.timeoutMs, signal: opts.signal });
}
