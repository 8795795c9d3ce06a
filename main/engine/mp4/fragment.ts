/**
 * Reads and rebases movie fragments (moof + mdat).
 */
import { child, children, fullBoxVersionFlags, Mp4Error } from './boxes.ts';
import type { InitInfo } from './init.ts';

export interface TrackRun {
  trackId: number;
  /** tfdt baseMediaDecodeTime, in the track's timescale. */
  baseDecodeTime: number;
  /** Absolute offset (in the moof buffer) of the tfdt box, for rebasing. */
  tfdtOffset: number;
  tfdtVersion: number;
  sampleCount: number;
  /** Sum of the sample durations, in the track's timescale. */
  duration: number;
  /** True when the first sample is a sync sample (a keyframe for video). */
  startsWithSync: boolean;
}

export interface FragmentInfo {
  runs: TrackRun[];
}

/** tfhd and trun flags (ISO 14496-12 §8.8.7, §8.8.8); fragment-samples.ts reads the same boxes. */
export const TFHD_BASE_DATA_OFFSET = 0x01;
export const TFHD_SAMPLE_DESCRIPTION_INDEX = 0x02;
export const TFHD_DEFAULT_DURATION = 0x08;
export const TFHD_DEFAULT_SIZE = 0x10;
export const TFHD_DEFAULT_FLAGS = 0x20;
export const TFHD_DEFAULT_BASE_IS_MOOF = 0x020000;
export const TRUN_DATA_OFFSET = 0x01;
export const TRUN_FIRST_SAMPLE_FLAGS = 0x04;
export const TRUN_SAMPLE_DURATION = 0x100;
export const TRUN_SAMPLE_SIZE = 0x200;
export const TRUN_SAMPLE_FLAGS = 0x400;
export const TRUN_SAMPLE_CTS = 0x800;
/** sample_is_non_sync_sample bit of the sample flags. */
const NON_SYNC = 0x10000;

/** Parses a moof box given as its own buffer (offset 0). */
export function parseMoof(moof: Buffer, init: InitInfo): FragmentInfo {
  const root = children(moof)[0];
  if (!root || root.type !== 'moof') throw new Mp4Error('expected a moof box');
  const runs: TrackRun[] = [];
  for (const traf of children(moof, root).filter((b) => b.type === 'traf')) {
    const tfhd = child(moof, traf, 'tfhd');
    const tfdt = child(moof, traf, 'tfdt');
    if (!tfhd) throw new Mp4Error('traf without tfhd');
    const { flags: tfhdFlags } = fullBoxVersionFlags(moof, tfhd);
    const trackId = moof.readUInt32BE(tfhd.payload + 4);
    const track = init.tracks.find((t) => t.trackId === trackId);
    let p = tfhd.payload + 8;
    if (tfhdFlags & TFHD_BASE_DATA_OFFSET) p += 8;
    if (tfhdFlags & TFHD_SAMPLE_DESCRIPTION_INDEX) p += 4;
    let defaultDuration = track?.defaultSampleDuration ?? 0;
    let defaultFlags = track?.defaultSampleFlags ?? 0;
    if (tfhdFlags & TFHD_DEFAULT_DURATION) {
      defaultDuration = moof.readUInt32BE(p);
      p += 4;
    }
    if (tfhdFlags & TFHD_DEFAULT_SIZE) p += 4;
    if (tfhdFlags & TFHD_DEFAULT_FLAGS) defaultFlags = moof.readUInt32BE(p);

    let baseDecodeTime = 0;
    let tfdtVersion = 0;
    if (tfdt) {
      tfdtVersion = fullBoxVersionFlags(moof, tfdt).version;
      baseDecodeTime =
        tfdtVersion === 1 ? Number(moof.readBigUInt64BE(tfdt.payload + 4)) : moof.readUInt32BE(tfdt.payload + 4);
    }

    let sampleCount = 0;
    let duration = 0;
    let startsWithSync = true;
    let first = true;
    for (const trun of children(moof, traf).filter((b) => b.type === 'trun')) {
      const { flags } = fullBoxVersionFlags(moof, trun);
      const count = moof.readUInt32BE(trun.payload + 4);
      let q = trun.payload + 8;
      if (flags & TRUN_DATA_OFFSET) q += 4;
      let firstSampleFlags: number | null = null;
      if (flags & TRUN_FIRST_SAMPLE_FLAGS) {
        firstSampleFlags = moof.readUInt32BE(q);
        q += 4;
      }
      const end = trun.start + trun.size;
      for (let i = 0; i < count; i++) {
        let sampleDuration = defaultDuration;
        let sampleFlags = i === 0 && firstSampleFlags !== null ? firstSampleFlags : defaultFlags;
        if (flags & TRUN_SAMPLE_DURATION) {
          if (q + 4 > end) throw new Mp4Error('trun is truncated');
          sampleDuration = moof.readUInt32BE(q);
          q += 4;
        }
        if (flags & TRUN_SAMPLE_SIZE) q += 4;
        if (flags & TRUN_SAMPLE_FLAGS) {
          if (q + 4 > end) throw new Mp4Error('trun is truncated');
          const perSample = moof.readUInt32BE(q);
          if (!(i === 0 && firstSampleFlags !== null)) sampleFlags = perSample;
          q += 4;
        }
        if (flags & TRUN_SAMPLE_CTS) q += 4;
        if (first) {
          startsWithSync = (sampleFlags & NON_SYNC) === 0;
          first = false;
        }
        duration += sampleDuration;
      }
      sampleCount += count;
    }
    runs.push({
      trackId,
      baseDecodeTime,
      tfdtOffset: tfdt ? tfdt.start : -1,
      tfdtVersion,
      sampleCount,
      duration,
      startsWithSync,
    });
  }
  return { runs };
}

/**
 * Returns a copy of `moof` whose tfdt times are shifted down by each track's
 * base, so every segment file starts at decode time 0 (players then show a
 * segment as 0..duration, like a normal file).
 */
export function rebaseMoof(moof: Buffer, info: FragmentInfo, baseByTrack: Map<number, number>): Buffer {
  const out = Buffer.from(moof);
  for (const run of info.runs) {
    if (run.tfdtOffset < 0) continue;
    const base = baseByTrack.get(run.trackId) ?? 0;
    const value = Math.max(0, run.baseDecodeTime - base);
    const field = run.tfdtOffset + 12; // header (8) + version/flags (4)
    if (run.tfdtVersion === 1) out.writeBigUInt64BE(BigInt(value), field);
    else out.writeUInt32BE(value, field);
  }
  return out;
}

/** The video run of a fragment, if any. */
export function videoRun(info: FragmentInfo, init: InitInfo): TrackRun | undefined {
  return init.video ? info.runs.find((r) => r.trackId === init.video!.trackId) : undefined;
}
