/**
 * Decodes exactly one frame per thumbnail: ffmpeg reads an init segment plus
 * one keyframe fragment (never the whole segment), scales it small and
 * writes a JPEG. One thumbnail on stdin and stdout, or a batch, each on its
 * own pipes, made by one ffmpeg. Argument array, no shell; low CPU priority
 * so it never competes with recording.
 */
import { batchDescriptors, jpegFromFfmpeg, jpegsFromFfmpeg } from '../ingest/ffmpeg-jpeg.ts';

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
    ...jpegOutput(0, width, 'pipe:1'),
  ];
}

function jpegOutput(input: number, width: number, to: string): string[] {
  return ['-map', `${input}:v:0`, '-frames:v', '1', '-vf', `scale=${width}:-2:flags=bilinear`, '-q:v', '5', '-f', 'image2pipe', '-c:v', 'mjpeg', to];
}

/** One ffmpeg for `n` keyframes: input i (init + keyframe fragment) on its own pipe, its JPEG on another (jpegsFromFfmpeg). */
export function keyframeJpegsArgs(width: number, n: number): string[] {
  const { inputs, outputs } = batchDescriptors(n);
  return [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error',
    ...inputs.flatMap((pipe) => ['-threads', '1', '-f', 'mp4', '-i', pipe]),
    ...outputs.flatMap((pipe, i) => jpegOutput(i, width, pipe)),
  ];
}

/** A JPEG or an Error per keyframe, by one ffmpeg (see keyframeJpegsArgs). */
export function renderKeyframeJpegs(ffmpegPath: string, mp4s: readonly Buffer[], opts: RenderOptions = DEFAULT_RENDER): Promise<(Buffer | Error)[]> {
  return jpegsFromFfmpeg(ffmpegPath, keyframeJpegsArgs(opts.width, mp4s.length), mp4s, { what: 'thumbnail', timeoutMs: opts.timeoutMs, signal: opts.signal });
}

export function renderKeyframeJpeg(ffmpegPath: string, mp4: Buffer, opts: RenderOptions = DEFAULT_RENDER): Promise<Buffer> {
  return jpegFromFfmpeg(ffmpegPath, keyframeJpegArgs(opts.width), mp4, { what: 'thumbnail', timeoutMs: opts.timeoutMs, signal: opts.signal });
}
