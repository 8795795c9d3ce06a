/**
 * The ffmpeg command line of a stream's ingest process. Pure, so it is tested
 * directly.
 *
 * One process per camera stream, one output: fragmented MP4 on stdout. The
 * engine splits that stream into segment files itself and fans the same
 * fragments out to live viewers, so the camera is pulled once and ffmpeg does
 * no more work than a bare `-c copy` recorder.
 */
import type { OpenedSource } from './opener.ts';

/** Audio codecs that may be copied into MP4 as they are; anything else (G.711...) becomes AAC. */
const MP4_SAFE_AUDIO = new Set(['aac', 'mp3']);

export interface IngestArgsOptions {
  /** Fragment length: bounds both live latency and what a crash can lose. */
  fragmentMs: number;
  /** The stream's audio codec as last seen; null when unknown (then transcoded to be safe). */
  audioCodec: string | null;
  /** Drop audio entirely (live-only sub streams). */
  noAudio?: boolean;
}

export function ingestArgs(source: OpenedSource, opts: IngestArgsOptions): string[] {
  const audio = opts.noAudio
    ? ['-an']
    : ['-map', '0:a:0?', ...(opts.audioCodec && MP4_SAFE_AUDIO.has(opts.audioCodec) ? ['-c:a', 'copy'] : ['-c:a', 'aac', '-b:a', '64k'])];
  return [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    '-loglevel', 'info',
    ...source.inputArgs,
    '-map', '0:v:0',
    ...source.videoArgs,
    ...audio,
    '-f', 'mp4',
    '-movflags', '+frag_keyframe+empty_moov+default_base_moof+skip_trailer',
    '-frag_duration', String(Math.round(opts.fragmentMs * 1000)),
    '-flush_packets', '1',
    'pipe:1',
  ];
}
