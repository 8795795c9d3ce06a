/**
 * The detection decoder's ffmpeg command line and output size. Pure, so they
 * are tested directly (frame-source.ts runs them).
 *
 * One ffmpeg per camera run: the live feed's fragmented MP4 on stdin, raw
 * frames at the detection rate on stdout, scaled so the longer side is at
 * most `maxSide` (objects need more pixels than motion; the motion detector
 * shrinks further itself).
 *
 * The frames are yuv420p, the cameras' own layout: ffmpeg converts no
 * colours, half the bytes of rgb24 cross the pipe, and motion reads the Y
 * plane as its grey picture (frame-format.ts converts what needs colour).
 */
import type { FrameFormat } from './types.ts';

export interface DecodeSize {
  width: number;
  height: number;
}

/** The decoded frame size for a stream of `width` × `height`: longer side ≤ maxSide, even, aspect kept. */
export function decodeSize(width: number, height: number, maxSide = 640): DecodeSize {
  if (!(width > 0 && height > 0)) throw new Error(`bad stream size ${width}x${height}`);
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const even = (v: number) => Math.max(2, 2 * Math.round((v * scale) / 2));
  return { width: even(width), height: even(height) };
}

export interface DecoderArgsOptions {
  fps: number;
  size: DecodeSize;
  /**
   * Skip the deblocking filter on non-reference frames (B-frames, which no
   * other frame is predicted from, so nothing drifts): a little less decode
   * CPU on cameras that send B-frames, no change on those that do not.
   */
  cheapDecode?: boolean;
  /** Output layout; default yuv420p. */
  format?: FrameFormat;
}

export function frameDecoderArgs(o: DecoderArgsOptions): string[] {
  if (!(o.fps > 0 && o.fps <= 60)) throw new Error(`bad detection fps ${o.fps}`);
  const { width, height } = o.size;
  return [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    '-loglevel', 'error',
    // One decoding thread: frame threading would hold back a frame per thread
    // (latency), and 16 cameras must not each grab every core.
    '-threads', '1',
    ...(o.cheapDecode === false ? [] : ['-skip_loop_filter', 'noref']),
    // The input is live: start at once instead of probing seconds of it. Not
    // `nobuffer`: it throws away the packets read while probing, i.e. the
    // first GOP, and frame k would no longer be k/fps after the first fragment.
    '-fflags', '+discardcorrupt',
    '-flags', 'low_delay',
    '-probesize', '32768',
    '-analyzeduration', '0',
    '-f', 'mp4',
    '-i', 'pipe:0',
    '-map', '0:v:0',
    '-an', '-sn', '-dn',
    // fps first, so only the kept frames are scaled.
    '-vf', `fps=${o.fps},scale=${width}:${height}:flags=area,setsar=1`,
    // The fps filter already made the rate constant: frame k is k/fps after the first.
    '-fps_mode', 'passthrough',
    // Each frame leaves whole at once: without this the last part of a frame
    // that overruns the output buffer waits for the next frame (200 ms at 5 fps,
    // a second for a still keyframe, decoder-feed.ts).
    '-flush_packets', '1',
    '-pix_fmt', o.format ?? 'yuv420p',
    '-f', 'rawvideo',
    'pipe:1',
  ];
}
