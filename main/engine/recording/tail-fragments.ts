/**
 * The last fragments of a fragmented-MP4 file that is being written, found
 * from its end instead of by walking it from the start.
 *
 * A live viewer that arrives in the middle of a 60 s segment needs the latest
 * keyframe fragment. Walking the file's boxes from the start costs a read per
 * fragment (240 for 60 s of 250 ms fragments); reading its tail costs one.
 * Box boundaries cannot be found backwards, so candidate `moof` boxes are
 * searched in the tail and each is checked by walking forward from it: every
 * box up to the end must be a moof (that parses, with a video run and the
 * next sequence number) followed by its mdat, or a box ffmpeg writes between
 * fragments. The first candidate whose walk holds is a real fragment start
 * (picture data would have to contain a whole chain of valid boxes that ends
 * exactly where the file's boxes do). When the window holds no fragment the
 * caller is content with (e.g. none is a keyframe), it grows, up to the whole
 * file. Pure: the bytes come from an injected reader.
 */
import { readBoxHeader } from '../mp4/boxes.ts';
import { parseMoof } from '../mp4/fragment.ts';
import type { InitInfo } from '../mp4/init.ts';
import type { ByteReader } from '../mp4/fragment-index.ts';

export interface TailFragment {
  /** Offset of the moof box in the file. */
  offset: number;
  /** moof + mdat. */
  size: number;
  keyframe: boolean;
  /** Video decode time of its first sample (video timescale, as in the file). */
  videoTime: number;
}

/** The first window read: a few seconds of a 4 Mb/s stream. */
export const FIRST_TAIL_WINDOW = 512 * 1024;

/** Boxes ffmpeg may write between fragments, skipped by the walk. */
const BETWEEN_FRAGMENTS = new Set(['styp', 'sidx', 'free', 'skip', 'prft', 'mfra']);

/**
 * The complete fragments at the end of the first `fileSize` bytes, in file
 * order, starting with the earliest real fragment of the smallest tail
 * window (first `firstWindow` bytes, then 4× more each time) for which
 * `enough` says yes, or of the whole file after `initEnd`. A torn last
 * fragment (still being written) is not listed.
 */
export async function tailFragments(
  read: ByteReader,
  fileSize: number,
  initEnd: number,
  info: InitInfo,
  enough: (fragments: TailFragment[]) => boolean,
  firstWindow = FIRST_TAIL_WINDOW,
): Promise<TailFragment[]> {
  let window = Math.max(64, firstWindow);
  for (;;) {
    const start = Math.max(initEnd, fileSize - window);
    const buf = start < fileSize ? await read(start, fileSize - start) : Buffer.alloc(0);
    const fragments = fragmentsIn(buf, start, info, start === initEnd);
    if ((fragments && enough(fragments)) || start === initEnd) return fragments ?? [];
    window *= 4;
  }
}

/** The chain of fragments from the first candidate in `buf` whose walk to the end holds; null when none does. */
function fragmentsIn(buf: Buffer, base: number, info: InitInfo, startsAtBox: boolean): TailFragment[] | null {
  // At the init's end a box starts for sure (whatever its type); elsewhere, moof candidates.
  if (startsAtBox) {
    const chain = walk(buf, 0, base, info);
    if (chain) return chain;
  }
  for (let at = buf.indexOf('moof', 4, 'latin1'); at >= 0; at = buf.indexOf('moof', at + 1, 'latin1')) {
    const chain = walk(buf, at - 4, base, info);
    if (chain) return chain;
  }
  return null;
}

/** The fragments from `pos` to the end of `buf` when every box there is in order; else null. */
function walk(buf: Buffer, pos: number, base: number, info: InitInfo): TailFragment[] | null {
  const videoId = info.video?.trackId;
  const out: TailFragment[] = [];
  let sequence: number | null = null;
  try {
    while (pos + 8 <= buf.length) {
      const box = readBoxHeader(buf, pos);
      if (!box || box.size === 0) return null;
      if (box.type !== 'moof') {
        if (!BETWEEN_FRAGMENTS.has(box.type)) return null; // an mdat without its moof, or anything else
        pos += box.size;
        continue;
      }
      if (pos + box.size > buf.length) break; // torn: still being written
      const moof = buf.subarray(pos, pos + box.size);
      const mfhd = readBoxHeader(moof, 8);
      if (!mfhd || mfhd.type !== 'mfhd' || mfhd.size < 16) return null;
      const seq = moof.readUInt32BE(mfhd.payload + 4);
      if (sequence !== null && seq !== sequence + 1) return null;
      sequence = seq;
      const video = parseMoof(moof, info).runs.find((r) => r.trackId === videoId);
      if (!video) return null;
      const mdat = readBoxHeader(buf, pos + box.size);
      if (!mdat) break; // torn
      if (mdat.type !== 'mdat' || mdat.size === 0) return null;
      if (pos + box.size + mdat.size > buf.length) break; // torn
      out.push({ offset: base + pos, size: box.size + mdat.size, keyframe: video.startsWithSync, videoTime: video.baseDecodeTime });
      pos += box.size + mdat.size;
    }
  } catch {
    return null; // a box that does not parse: not a fragment start
  }
  return out.length ? out : null;
}
