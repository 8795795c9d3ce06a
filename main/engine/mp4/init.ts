/**
 * Reads the init segment (ftyp + moov) of a fragmented MP4: which tracks it
 * has, their timescales, codecs and sizes, and the per-track fragment defaults.
 */
import { type Box, child, children, fullBoxVersionFlags, Mp4Error, path } from './boxes.ts';

export interface TrackInfo {
  trackId: number;
  kind: 'video' | 'audio' | 'other';
  timescale: number;
  /** Sample entry fourcc: avc1, hvc1, hev1, mp4a, ... */
  fourcc: string;
  /** RFC 6381 codec string for MSE, e.g. avc1.64001f or mp4a.40.2. */
  codecString: string;
  width: number | null;
  height: number | null;
  defaultSampleDuration: number;
  defaultSampleFlags: number;
  /** Absolute offsets (within the init buffer) of the 32-bit duration fields of tkhd and mdhd, for patching. */
  durationFields: { tkhd: number | null; mdhd: number | null };
}

export interface InitInfo {
  tracks: TrackInfo[];
  video: TrackInfo | null;
  audio: TrackInfo | null;
  /** Movie timescale and the offset of mvhd's 32-bit duration field (null for version 1 boxes). */
  movieTimescale: number;
  mvhdDurationField: number | null;
  /** `video/mp4; codecs="..."` for MediaSource.isTypeSupported. */
  mimeType: string;
}

const FRIENDLY_CODEC: Record<string, string> = { avc1: 'h264', avc3: 'h264', hvc1: 'h265', hev1: 'h265', mp4a: 'aac' };

/** The codec name Keepwatch stores and shows (h264, h265, aac, ...). */
export function friendlyCodec(fourcc: string): string {
  return FRIENDLY_CODEC[fourcc] ?? fourcc;
}

export function parseInit(buf: Buffer): InitInfo {
  const moov = child(buf, undefined, 'moov');
  if (!moov) throw new Mp4Error('init segment has no moov box');
  const mvhd = child(buf, moov, 'mvhd');
  if (!mvhd) throw new Mp4Error('moov has no mvhd');
  const mvhdVer = fullBoxVersionFlags(buf, mvhd).version;
  const movieTimescale = buf.readUInt32BE(mvhd.payload + (mvhdVer === 1 ? 20 : 12));
  const mvhdDurationField = mvhdVer === 1 ? null : mvhd.payload + 16;

  const trex = new Map<number, { duration: number; flags: number }>();
  const mvex = child(buf, moov, 'mvex');
  for (const box of children(buf, mvex).filter((b) => b.type === 'trex')) {
    const p = box.payload + 4;
    trex.set(buf.readUInt32BE(p), { duration: buf.readUInt32BE(p + 8), flags: buf.readUInt32BE(p + 16) });
  }

  const tracks = children(buf, moov)
    .filter((b) => b.type === 'trak')
    .map((trak) => parseTrack(buf, trak, trex));
  const video = tracks.find((t) => t.kind === 'video') ?? null;
  const audio = tracks.find((t) => t.kind === 'audio') ?? null;
  const codecs = [video, audio].filter((t): t is TrackInfo => t !== null).map((t) => t.codecString);
  return {
    tracks,
    video,
    audio,
    movieTimescale,
    mvhdDurationField,
    mimeType: `video/mp4; codecs="${codecs.join(', ')}"`,
  };
}

function parseTrack(buf: Buffer, trak: Box, trex: Map<number, { duration: number; flags: number }>): TrackInfo {
  const tkhd = child(buf, trak, 'tkhd');
  const mdhd = path(buf, trak, ['mdia', 'mdhd']);
  const hdlr = path(buf, trak, ['mdia', 'hdlr']);
  const stsd = path(buf, trak, ['mdia', 'minf', 'stbl', 'stsd']);
  if (!tkhd || !mdhd || !hdlr || !stsd) throw new Mp4Error('track is missing tkhd, mdhd, hdlr or stsd');

  const tkhdVer = fullBoxVersionFlags(buf, tkhd).version;
  const trackId = buf.readUInt32BE(tkhd.payload + (tkhdVer === 1 ? 20 : 12));
  const mdhdVer = fullBoxVersionFlags(buf, mdhd).version;
  const timescale = buf.readUInt32BE(mdhd.payload + (mdhdVer === 1 ? 20 : 12));
  const handler = buf.toString('latin1', hdlr.payload + 8, hdlr.payload + 12);
  const kind = handler === 'vide' ? 'video' : handler === 'soun' ? 'audio' : 'other';

  // stsd: version/flags (4) + entry_count (4), then sample entries as boxes.
  const entry = children(buf, stsd, 8)[0];
  if (!entry) throw new Mp4Error('stsd has no sample entry');
  const fourcc = entry.type;
  let width: number | null = null;
  let height: number | null = null;
  let codecString = fourcc;
  if (kind === 'video') {
    width = buf.readUInt16BE(entry.payload + 24);
    height = buf.readUInt16BE(entry.payload + 26);
    // Visual sample entries have 78 bytes of fixed fields before their child boxes.
    const avcC = child(buf, entry, 'avcC', 78);
    if (avcC) codecString = `${fourcc}.${buf.subarray(avcC.payload + 1, avcC.payload + 4).toString('hex')}`;
  } else if (fourcc === 'mp4a') {
    codecString = 'mp4a.40.2';
  }
  const defaults = trex.get(trackId) ?? { duration: 0, flags: 0 };
  return {
    trackId,
    kind,
    timescale,
    fourcc,
    codecString,
    width,
    height,
    defaultSampleDuration: defaults.duration,
    defaultSampleFlags: defaults.flags,
    durationFields: {
      tkhd: tkhdVer === 1 ? null : tkhd.payload + 20,
      mdhd: mdhdVer === 1 ? null : mdhd.payload + 16,
    },
  };
}

/**
 * Writes a total duration into a copy of the init segment (mvhd, tkhd, mdhd),
 * so players and ffprobe report the segment's real length. Fields are patched
 * in place; the layout never changes.
 */
export function withDurations(init: Buffer, info: InitInfo, durationByTrack: Map<number, number>): Buffer {
  const out = Buffer.from(init);
  let movieSeconds = 0;
  for (const track of info.tracks) {
    const ticks = durationByTrack.get(track.trackId) ?? 0;
    const seconds = track.timescale ? ticks / track.timescale : 0;
    movieSeconds = Math.max(movieSeconds, seconds);
    const movieTicks = Math.min(0xffffffff, Math.round(seconds * info.movieTimescale));
    if (track.durationFields.mdhd !== null) out.writeUInt32BE(Math.min(0xffffffff, ticks), track.durationFields.mdhd);
    if (track.durationFields.tkhd !== null) out.writeUInt32BE(movieTicks, track.durationFields.tkhd);
  }
  if (info.mvhdDurationField !== null) {
    out.writeUInt32BE(Math.min(0xffffffff, Math.round(movieSeconds * info.movieTimescale)), info.mvhdDurationField);
  }
  return out;
}
