/**
 * Summarises a whole fragmented-MP4 segment file held in memory: where its
 * complete part ends, its init info and the duration of each track. Used for
 * crash recovery and for checks; recorders track this incrementally instead.
 */
import { children, completePrefixLength, Mp4Error } from './boxes.ts';
import { parseInit, type InitInfo } from './init.ts';
import { parseMoof } from './fragment.ts';

export interface FileSummary {
  /** Bytes of complete boxes ending with a complete moof+mdat pair; anything after is a torn write. */
  completeLength: number;
  init: InitInfo;
  initLength: number;
  fragments: number;
  durationByTrack: Map<number, number>;
  /** Video duration in milliseconds. */
  durationMs: number;
}

export function summarizeFragmentedMp4(buf: Buffer): FileSummary {
  const usable = buf.subarray(0, completePrefixLength(buf));
  const boxes = children(usable);
  const moovIndex = boxes.findIndex((b) => b.type === 'moov');
  if (moovIndex < 0) throw new Mp4Error('no moov box: the file has no usable header');
  const initLength = boxes[moovIndex].start + boxes[moovIndex].size;
  const init = parseInit(usable.subarray(0, initLength));
  const durationByTrack = new Map<number, number>();
  let fragments = 0;
  let completeLength = initLength;
  for (let i = moovIndex + 1; i < boxes.length; i++) {
    const box = boxes[i];
    if (box.type !== 'moof') continue;
    const mdat = boxes[i + 1];
    if (!mdat || mdat.type !== 'mdat') break; // a moof whose data never arrived: stop here
    const info = parseMoof(usable.subarray(box.start, box.start + box.size), init);
    for (const run of info.runs) {
      durationByTrack.set(run.trackId, (durationByTrack.get(run.trackId) ?? 0) + run.duration);
    }
    fragments++;
    completeLength = mdat.start + mdat.size;
    i++;
  }
  const video = init.video;
  const durationMs = video ? Math.round(((durationByTrack.get(video.trackId) ?? 0) * 1000) / video.timescale) : 0;
  return { completeLength, init, initLength, fragments, durationByTrack, durationMs };
}
