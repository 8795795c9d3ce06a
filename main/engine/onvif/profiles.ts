/**
 * Picking the streams to record and to show, the way a user would:
 * main = the sharpest H.264/H.265 profile (what we record),
 * sub  = the smallest still-useful one (>= 320 px wide) for the live grid,
 *        preferring H.264 because browsers cannot play H.265.
 */
import { OnvifError } from './errors.ts';

export type VideoEncoding = 'H264' | 'H265' | 'JPEG' | 'MPEG4' | 'other';

export interface MediaProfile {
  token: string;
  name: string;
  encoding: VideoEncoding;
  width: number;
  height: number;
  /** Frame-rate limit from the encoder configuration; 0 when the camera did not say. */
  fps: number;
  /** True when the profile has a PTZ configuration (PTZ calls need such a profile token). */
  ptz: boolean;
}

export const MIN_SUB_STREAM_WIDTH = 320;

export function normalizeEncoding(raw: string | undefined): VideoEncoding {
  const value = (raw ?? '').toUpperCase().replace(/[.\s-]/g, '');
  if (value === 'H264' || value === 'AVC') return 'H264';
  if (value === 'H265' || value === 'HEVC') return 'H265';
  if (value === 'JPEG' || value === 'MJPEG') return 'JPEG';
  if (value === 'MPEG4' || value === 'MP4V') return 'MPEG4';
  return 'other';
}

const pixels = (p: MediaProfile) => p.width * p.height;
const isRecordable = (p: MediaProfile) => (p.encoding === 'H264' || p.encoding === 'H265') && p.width > 0 && p.height > 0;

export interface ProfileChoice {
  main: MediaProfile;
  sub?: MediaProfile;
}

export function chooseProfiles(profiles: MediaProfile[]): ProfileChoice {
  const candidates = profiles.filter(isRecordable);
  if (candidates.length === 0) {
    throw new OnvifError('NO_USABLE_PROFILE', 'The camera has no H.264 or H.265 video profile to record');
  }
  const main = [...candidates].sort(
    (a, b) => pixels(b) - pixels(a) || h264First(a, b) || b.fps - a.fps,
  )[0];
  const sub = candidates
    .filter((p) => p.token !== main.token && p.width >= MIN_SUB_STREAM_WIDTH && pixels(p) < pixels(main))
    .sort((a, b) => h264First(a, b) || pixels(a) - pixels(b) || b.fps - a.fps)[0];
  return sub ? { main, sub } : { main };
}

function h264First(a: MediaProfile, b: MediaProfile): number {
  return (a.encoding === 'H264' ? 0 : 1) - (b.encoding === 'H264' ? 0 : 1);
}
