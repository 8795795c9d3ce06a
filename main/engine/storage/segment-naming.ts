/**
 * The one definition of where footage lives in the recordings folder:
 *
 *   c<camera>/<yyyy-mm-dd>/r<run>-<seq>.mp4         a segment
 *   c<camera>/<yyyy-mm-dd>/r<run>-<seq>.t<slot>.jpg  a thumbnail of it
 *
 * The day is the UTC date of the run's start: all segments of one run (one
 * ffmpeg session) share its folder, even past midnight. `seq` counts from 1
 * within the run, six digits, as ffmpeg's `%06d` writes it.
 */
export const SEGMENT_FILE = /^c(\d+)\/(\d{4}-\d{2}-\d{2})\/r(\d+)-(\d{6})\.mp4$/;
export const CAMERA_FOLDER = /^c\d+$/;
export const DAY_FOLDER = /^\d{4}-\d{2}-\d{2}$/;
/** A thumbnail, or the .tmp it is written as first. */
export const THUMBNAIL_NAME = /^r\d+-\d{6}\.t\d+\.jpg(\.tmp)?$/;

/** UTC date of a moment, as the day folder names it. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The folder (relative) of a run's segments. */
export function runFolder(cameraId: number, runStartedAt: number): string {
  return `c${cameraId}/${dayOf(runStartedAt)}`;
}

/** File name (in its run folder) of a run's segment. */
export function segmentName(runId: number, seq: number): string {
  return `r${runId}-${String(seq).padStart(6, '0')}.mp4`;
}

/** ffmpeg's `-f segment` output name for a run (in its run folder): the same names as segmentName. */
export function segmentPattern(runId: number): string {
  return `r${runId}-%06d.mp4`;
}

export function parseSegmentFileName(rel: string): { cameraId: number; day: string; runId: number; seq: number } | null {
  const m = SEGMENT_FILE.exec(rel);
  return m ? { cameraId: Number(m[1]), day: m[2], runId: Number(m[3]), seq: Number(m[4]) } : null;
}

export function thumbnailFileFor(segmentFile: string, slot: number): string {
  if (!SEGMENT_FILE.test(segmentFile)) throw new Error(`not a segment file: ${segmentFile}`);
  return segmentFile.replace(/\.mp4$/, `.t${slot}.jpg`);
}
