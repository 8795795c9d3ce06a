/**
 * The ffmpeg command lines of a stream's ingest process. Pure, so they are
 * tested directly.
 *
 *  - Recorded streams (`segmentArgs`): ffmpeg writes the segment files itself
 *    (`-f segment`, fragmented MP4 flushed every fragment, so a crash loses at
 *    most one fragment), reports each finished segment on pipe:3 (CSV) and its
 *    progress on pipe:1. The engine never touches the media bytes on this
 *    path, so recording costs close to a bare `ffmpeg -c copy`; live viewers
 *    read the segment being written (recording/live-tap.ts).
 *  - Live-only streams (`liveArgs`, the sub stream and express connections): fragmented MP4 (or FLV) on stdout.
 */
import type { OpenedSource } from './opener.ts';

/** Audio codecs that may be copied into MP4 as they are; anything else (G.711...) becomes AAC. */
const MP4_SAFE_AUDIO = new Set(['aac', 'mp3']);

const COMMON = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info'];

function audioArgs(audioCodec: string | null): string[] {
  return ['-map', '0:a:0?', ...(audioCodec && MP4_SAFE_AUDIO.has(audioCodec) ? ['-c:a', 'copy'] : ['-c:a', 'aac', '-b:a', '64k'])];
}

export interface SegmentArgsOptions {
  segmentSeconds: number;
  /** Fragment length: bounds what a crash loses and live latency. */
  fragmentMs: number;
  /** The stream's audio codec as last seen; null when unknown (then transcoded to be safe). */
  audioCodec: string | null;
  /** Absolute output pattern, e.g. /rec/c1/2026-11-25/r7-%06d.mp4 (a literal % must be written %%). */
  outputPattern: string;
  /** Seconds between progress reports (`progressSeconds`). */
  progressSeconds: number;
}

/**
 * How often a recorded stream's ffmpeg reports progress: the recorder's only
 * sign of life from it, so at least five reports fit in a stall window; at
 * most one every 2 s, because each report wakes the engine (about 0.03 % of
 * a core per camera at one a second, measured at 8 cameras: more than half
 * of the engine's whole steady cost).
 */
export function progressSeconds(stallMs: number): number {
  return Math.max(1, Math.min(2, Math.floor(stallMs / 5000)));
}

export function segmentArgs(source: OpenedSource, o: SegmentArgsOptions): string[] {
  const fragUs = Math.round(o.fragmentMs * 1000);
  return [
    ...COMMON,
    ...source.inputArgs,
    '-map', '0:v:0',
    ...source.videoArgs,
    ...audioArgs(o.audioCodec),
    '-f', 'segment',
    '-segment_time', String(o.segmentSeconds),
    '-segment_format', 'mp4',
    // The flush options must sit inside segment_format_options to reach each
    // segment's muxer (as plain output options they do nothing).
    '-segment_format_options', `movflags=+frag_keyframe+empty_moov+default_base_moof:frag_duration=${fragUs}:flush_packets=1`,
    '-reset_timestamps', '1',
    '-segment_start_number', '1',
    '-segment_list', 'pipe:3',
    '-segment_list_type', 'csv',
    '-progress', 'pipe:1',
    '-stats_period', String(o.progressSeconds),
    o.outputPattern,
  ];
}

/**
 * H.264 in FLV on a pipe: each frame written the moment it is encoded or
 * received (flv/to-fmp4.ts makes the fragments). No file size or duration
 * to seek back for at the end (a pipe cannot), no metadata tag.
 */
export const FLV_OUTPUT: readonly string[] = ['-f', 'flv', '-flvflags', 'no_duration_filesize+no_metadata'];

export interface LiveArgsOptions {
  fragmentMs: number;
  /**
   * 'flv' (H.264 only): each frame is written the moment it arrives, and the
   * engine makes the fragments (flv/to-fmp4.ts). ffmpeg's MP4 muxer holds a
   * frame until the next one comes, so its shortest fragments are a frame
   * late. Default 'mp4'.
   */
  container?: 'mp4' | 'flv';
}

/** A live-only stream: video only, fragmented MP4 (or FLV, see LiveArgsOptions) on stdout. */
export function liveArgs(source: OpenedSource, o: LiveArgsOptions): string[] {
  const output =
    o.container === 'flv'
      ? FLV_OUTPUT
      : ['-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof+skip_trailer', '-frag_duration', String(Math.round(o.fragmentMs * 1000))];
  return [
    ...COMMON,
    ...source.inputArgs,
    '-map', '0:v:0',
    ...source.videoArgs,
    '-an',
    ...output,
    '-flush_packets', '1',
    'pipe:1',
  ];
}

/** Escapes a folder for use in a segment output pattern. */
export function patternSafe(path: string): string {
  return path.replace(/%/g, '%%');
}
