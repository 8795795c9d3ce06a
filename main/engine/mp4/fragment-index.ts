/**
 * Indexes a fragmented-MP4 segment file without reading its media: the init
 * segment, then one small read per fragment (the moof and the next box's
 * header), so a 60 s segment costs a few hundred kilobytes of reads at most.
 * Playback seeks, thumbnails, export and the live tap all work from this
 * index. Pure: the bytes come from an injected reader (storage owns files).
 */
import { Mp4Error, readBoxHeader } from './boxes.ts';
import { parseInit, type InitInfo } from './init.ts';
import { parseMoof, type TrackRun } from './fragment.ts';

export interface FragmentEntry {
  /** Offset of the moof box in the file; the mdat follows it directly. */
  offset: number;
  moofSize: number;
  /** moof + mdat. */
  size: number;
  runs: TrackRun[];
  /** Video decode time of the fragment's first sample (video timescale), 0-based in the segment. */
  videoTime: number;
  /** Sum of the fragment's video sample durations (video timescale). */
  videoDuration: number;
  videoSamples: number;
  /** The fragment starts with a video keyframe: decoding can start here. */
  keyframe: boolean;
}

export interface SegmentIndex {
  /** ftyp + moov. */
  init: Buffer;
  info: InitInfo;
  fileSize: number;
  /** Complete fragments, in file order. Bytes after the last one (a torn tail) are not listed. */
  fragments: FragmentEntry[];
  videoTimescale: number;
  /** Video duration in ms (sum of the fragments). */
  durationMs: number;
}

const PROBE = 4096;

/** Up to `length` bytes at `position` of the file being indexed (fewer at its end). */
export type ByteReader = (position: number, length: number) => Promise<Buffer>;

/** Indexes the first `fileSize` bytes of a segment file (a file still being written is indexed up to its last complete fragment). */
export async function indexSegment(read: ByteReader, fileSize: number): Promise<SegmentIndex> {
  // Init segment: every box up to and including moov.
  let offset = 0;
  let initEnd = -1;
  while (offset < fileSize) {
    const head = await read(offset, 16);
    const box = readBoxHeader(head, 0);
    if (!box || box.size === 0 || offset + box.size > fileSize) break;
    offset += box.size;
    if (box.type === 'moov') {
      initEnd = offset;
      break;
    }
  }
  if (initEnd < 0) throw new Mp4Error('no moov box: the file has no usable header');
  const init = await read(0, initEnd);
  const info = parseInit(init);
  if (!info.video) throw new Mp4Error('the recording has no video track');
  const videoId = info.video.trackId;

  const fragments: FragmentEntry[] = [];
  let durationTicks = 0;
  while (offset + 8 <= fileSize) {
    let chunk = await read(offset, Math.min(PROBE, fileSize - offset));
    const box = readBoxHeader(chunk, 0);
    if (!box || box.size === 0 || offset + box.size > fileSize) break;
    if (box.type !== 'moof') {
      offset += box.size; // styp, sidx, free...: skip
      continue;
    }
    if (chunk.length < box.size + 16) chunk = await read(offset, Math.min(box.size + 16, fileSize - offset));
    const next = readBoxHeader(chunk, box.size);
    if (!next || next.type !== 'mdat' || next.size === 0 || offset + box.size + next.size > fileSize) break; // torn tail
    const runs = parseMoof(chunk.subarray(0, box.size), info).runs;
    const video = runs.find((r) => r.trackId === videoId);
    fragments.push({
      offset,
      moofSize: box.size,
      size: box.size + next.size,
      runs,
      videoTime: video?.baseDecodeTime ?? durationTicks,
      videoDuration: video?.duration ?? 0,
      videoSamples: video?.sampleCount ?? 0,
      keyframe: Boolean(video?.startsWithSync),
    });
    durationTicks += video?.duration ?? 0;
    offset += box.size + next.size;
  }
  const ts = info.video.timescale;
  return { init, info, fileSize, fragments, videoTimescale: ts, durationMs: Math.round((durationTicks * 1000) / ts) };
}

/** Average video frame duration in ms (for frame stepping), or null when unknown. */
export function frameMs(index: SegmentIndex): number | null {
  let ticks = 0;
  let samples = 0;
  for (const f of index.fragments) {
    ticks += f.videoDuration;
    samples += f.videoSamples;
  }
  return samples ? (ticks * 1000) / index.videoTimescale / samples : null;
}
