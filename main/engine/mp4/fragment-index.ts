/**
 * Indexes a fragmented-MP4 segment file without parsing its media: the init
 * segment, then each fragment's moof and the next box's header. Small
 * fragments (a low-bitrate stream's: 20 KB each at 600 kb/s) are read 256 KB
 * at a time, several per read, media included: a 60 s segment of 240
 * fragments costs about 20 reads instead of 240, and each read is a trip
 * through the thread pool. Large fragments get one small read at each moof,
 * so a high-bitrate segment's media is not read for nothing. Playback seeks,
 * thumbnails, export and the live tap all work from this index. Pure: the
 * bytes come from an injected reader (storage owns files).
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
/** One read's length while fragments are small... */
export const READ_AHEAD = 256 * 1024;
/** ...i.e. no larger than this: beyond it, reading ahead would mostly read media. */
const SMALL_FRAGMENT = 64 * 1024;

/** Up to `length` bytes at `position` of the file being indexed (fewer at its end). */
export type ByteReader = (position: number, length: number) => Promise<Buffer>;

/** The last read's bytes, reused by the reads that fall inside them. */
class ReadWindow {
  private bytes: Buffer = Buffer.alloc(0);
  private start = 0;
  /** Whether a read that misses the window fetches READ_AHEAD bytes (fragments are small) or just what is asked. */
  ahead = true;

  constructor(
    private readonly read: ByteReader,
    private readonly fileSize: number,
  ) {}

  /** Up to `length` bytes at `position`: a view of the window, valid until the next call. */
  async get(position: number, length: number): Promise<Buffer> {
    const end = Math.min(position + length, this.fileSize);
    if (position < this.start || end > this.start + this.bytes.length) {
      const want = this.ahead ? Math.max(length, READ_AHEAD) : length;
      this.bytes = await this.read(position, Math.min(want, this.fileSize - position));
      this.start = position;
    }
    return this.bytes.subarray(position - this.start, Math.min(end, this.start + this.bytes.length) - this.start);
  }
}

/** Indexes the first `fileSize` bytes of a segment file (a file still being written is indexed up to its last complete fragment). */
export async function indexSegment(read: ByteReader, fileSize: number): Promise<SegmentIndex> {
  const window = new ReadWindow(read, fileSize);
  // Init segment: every box up to and including moov.
  let offset = 0;
  let initEnd = -1;
  while (offset < fileSize) {
    const head = await window.get(offset, 16);
    const box = readBoxHeader(head, 0);
    if (!box || box.size === 0 || offset + box.size > fileSize) break;
    offset += box.size;
    if (box.type === 'moov') {
      initEnd = offset;
      break;
    }
  }
  if (initEnd < 0) throw new Mp4Error('no moov box: the file has no usable header');
  // A copy: the index is cached, and must not hold on to a whole read window.
  const init = Buffer.from(await window.get(0, initEnd));
  const info = parseInit(init);
  if (!info.video) throw new Mp4Error('the recording has no video track');
  const videoId = info.video.trackId;

  const fragments: FragmentEntry[] = [];
  let durationTicks = 0;
  while (offset + 8 <= fileSize) {
    let chunk = await window.get(offset, Math.min(PROBE, fileSize - offset));
    const box = readBoxHeader(chunk, 0);
    if (!box || box.size === 0 || offset + box.size > fileSize) break;
    if (box.type !== 'moof') {
      offset += box.size; // styp, sidx, free...: skip
      continue;
    }
    if (chunk.length < box.size + 16) chunk = await window.get(offset, Math.min(box.size + 16, fileSize - offset));
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
    window.ahead = box.size + next.size <= SMALL_FRAGMENT;
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
