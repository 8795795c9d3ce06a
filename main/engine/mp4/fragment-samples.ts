/**
 * One track's samples inside a movie fragment (moof + mdat in one buffer),
 * and a fragment's decode time rewritten. Pure; used by the detection
 * decoder's feed (detection/decoder-feed.ts), which hands ffmpeg only the
 * keyframe of a still picture's fragments.
 */
import { child, children, fullBoxVersionFlags, Mp4Error } from './boxes.ts';
import {
  TFHD_BASE_DATA_OFFSET,
  TFHD_DEFAULT_BASE_IS_MOOF,
  TFHD_DEFAULT_DURATION,
  TFHD_DEFAULT_SIZE,
  TFHD_SAMPLE_DESCRIPTION_INDEX,
  TRUN_DATA_OFFSET,
  TRUN_FIRST_SAMPLE_FLAGS,
  TRUN_SAMPLE_CTS,
  TRUN_SAMPLE_DURATION,
  TRUN_SAMPLE_FLAGS,
  TRUN_SAMPLE_SIZE,
  type TrackRun,
} from './fragment.ts';

export interface FragmentSample {
  /** The sample's bytes (a view into the fragment). */
  data: Buffer;
  /** In the track's timescale. */
  duration: number;
  /** Presentation minus decode time, in the track's timescale. */
  compositionOffset: number;
}

/**
 * The first `count` samples (fewer if the run is shorter) of `trackId`'s
 * first run in `fragment` (a moof followed by its mdat), or null when the
 * fragment does not say where its data is in a way that can be resolved
 * inside the fragment alone (an absolute base data offset, or a run without
 * a data offset): the caller then passes the fragment on whole.
 */
export function leadingSamples(fragment: Buffer, trackId: number, count: number, defaultDuration = 0): FragmentSample[] | null {
  const moof = children(fragment)[0];
  if (!moof || moof.type !== 'moof') throw new Mp4Error('expected a moof box');
  const trafs = children(fragment, moof).filter((b) => b.type === 'traf');
  for (let t = 0; t < trafs.length; t++) {
    const traf = trafs[t];
    const tfhd = child(fragment, traf, 'tfhd');
    if (!tfhd) throw new Mp4Error('traf without tfhd');
    if (fragment.readUInt32BE(tfhd.payload + 4) !== trackId) continue;
    const { flags: tfhdFlags } = fullBoxVersionFlags(fragment, tfhd);
    // Offsets count from the moof when the traf says so, or (ISO 14496-12 §8.8.7.1) for the first traf.
    if (tfhdFlags & TFHD_BASE_DATA_OFFSET) return null;
    if (t > 0 && !(tfhdFlags & TFHD_DEFAULT_BASE_IS_MOOF)) return null;
    let p = tfhd.payload + 8;
    if (tfhdFlags & TFHD_SAMPLE_DESCRIPTION_INDEX) p += 4;
    let defaultDur = defaultDuration;
    let defaultSize = -1;
    if (tfhdFlags & TFHD_DEFAULT_DURATION) {
      defaultDur = fragment.readUInt32BE(p);
      p += 4;
    }
    if (tfhdFlags & TFHD_DEFAULT_SIZE) defaultSize = fragment.readUInt32BE(p);
    const trun = child(fragment, traf, 'trun');
    if (!trun) return null;
    const { version, flags } = fullBoxVersionFlags(fragment, trun);
    const inRun = fragment.readUInt32BE(trun.payload + 4);
    if (inRun < 1 || !(flags & TRUN_DATA_OFFSET)) return null;
    let q = trun.payload + 8;
    let offset = moof.start + fragment.readInt32BE(q);
    q += 4;
    if (flags & TRUN_FIRST_SAMPLE_FLAGS) q += 4;
    const n = Math.min(count, inRun);
    const fields = [TRUN_SAMPLE_DURATION, TRUN_SAMPLE_SIZE, TRUN_SAMPLE_FLAGS, TRUN_SAMPLE_CTS].filter((f) => flags & f).length;
    if (q + 4 * fields * n > trun.start + trun.size) throw new Mp4Error('trun is truncated');
    if (offset < moof.start + moof.size) throw new Mp4Error('sample data lies inside the moof');
    const out: FragmentSample[] = [];
    for (let i = 0; i < n; i++) {
      let duration = defaultDur;
      let size = defaultSize;
      if (flags & TRUN_SAMPLE_DURATION) {
        duration = fragment.readUInt32BE(q);
        q += 4;
      }
      if (flags & TRUN_SAMPLE_SIZE) {
        size = fragment.readUInt32BE(q);
        q += 4;
      }
      if (flags & TRUN_SAMPLE_FLAGS) q += 4;
      let compositionOffset = 0;
      if (flags & TRUN_SAMPLE_CTS) {
        compositionOffset = version === 0 ? fragment.readUInt32BE(q) : fragment.readInt32BE(q);
        q += 4;
      }
      if (size < 0) return null;
      if (offset + size > fragment.length) throw new Mp4Error('sample data lies outside the fragment');
      out.push({ data: fragment.subarray(offset, offset + size), duration, compositionOffset });
      offset += size;
    }
    return out;
  }
  return null;
}

/** A copy of `fragment` whose run `run` (from parseMoof of the same bytes) starts at decode time `value`. */
export function withDecodeTime(fragment: Buffer, run: TrackRun, value: number): Buffer {
  if (run.tfdtOffset < 0) throw new Mp4Error('the fragment has no tfdt to rewrite');
  if (!(Number.isInteger(value) && value >= 0)) throw new RangeError(`bad decode time ${value}`);
  const out = Buffer.from(fragment);
  const field = run.tfdtOffset + 12; // header (8) + version/flags (4)
  if (run.tfdtVersion === 1) out.writeBigUInt64BE(BigInt(value), field);
  else if (value <= 0xffffffff) out.writeUInt32BE(value, field);
  else throw new RangeError('decode time does not fit the fragment’s 32-bit tfdt');
  return out;
}
