/**
 * Writes fragmented MP4 for one H.264 video track: an init segment (ftyp +
 * moov) and one fragment (moof + mdat) per frame. Pure. Used for the live
 * transcode's output (flv/to-fmp4.ts), which must leave as each frame is
 * encoded, and the detection decoder's still-picture keyframes
 * (detection/decoder-feed.ts); init.ts and fragment.ts read back what it writes.
 */

export interface AvcTrack {
  /** The AVCDecoderConfigurationRecord (payload of the avcC box). */
  avcConfig: Buffer;
  width: number;
  height: number;
  /** Ticks per second of the track's times. */
  timescale: number;
}

export interface VideoSample {
  /** mfhd sequence number: 1, 2, 3... */
  sequence: number;
  /** tfdt: the sample's decode time, in the track's timescale. */
  decodeTime: number;
  duration: number;
  /** Presentation minus decode time (signed). */
  compositionOffset: number;
  keyframe: boolean;
  /** The access unit, length-prefixed NAL units (AVCC). */
  data: Buffer;
  /** The track it belongs to; default TRACK_ID (this writer's init segment). */
  trackId?: number;
}

/** The only track's id. */
export const TRACK_ID = 1;

// ISO 14496-12 §8.8.3.1 sample flags.
const SAMPLE_KEY = 0x02000000; // sample_depends_on = 2: an I picture
const SAMPLE_DEPENDENT = 0x01010000; // sample_depends_on = 1, sample_is_non_sync_sample
const TFHD_DEFAULT_BASE_IS_MOOF = 0x020000;
// trun: data offset, then per sample: duration, size, flags, composition offset.
const TRUN_FLAGS = 0x000001 | 0x000100 | 0x000200 | 0x000400 | 0x000800;
const UNITY_MATRIX = [0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000];

export function avcInitSegment(track: AvcTrack): Buffer {
  const { width, height, timescale } = track;
  if (!(width > 0 && width < 0x10000 && height > 0 && height < 0x10000)) throw new RangeError(`picture size ${width}x${height} is out of range`);
  const ftyp = box('ftyp', Buffer.from('iso5'), u32(512), Buffer.from('iso5iso6avc1mp41'));
  const mvhd = fullBox('mvhd', 0, 0, u32(0), u32(0), u32(timescale), u32(0), u32(0x10000), u16(0x100), zeros(10), matrix(), zeros(24), u32(TRACK_ID + 1));
  const tkhd = fullBox('tkhd', 0, 3, u32(0), u32(0), u32(TRACK_ID), zeros(4), u32(0), zeros(8), u16(0), u16(0), u16(0), zeros(2), matrix(), u32(width * 0x10000), u32(height * 0x10000));
  const mdhd = fullBox('mdhd', 0, 0, u32(0), u32(0), u32(timescale), u32(0), u16(0x55c4 /* und */), u16(0));
  const hdlr = fullBox('hdlr', 0, 0, u32(0), Buffer.from('vide'), zeros(12), Buffer.from('Keepwatch live\0'));
  const avc1 = box(
    'avc1',
    zeros(6),
    u16(1), // data_reference_index
    zeros(16),
    u16(width),
    u16(height),
    u32(0x480000), // 72 dpi
    u32(0x480000),
    zeros(4),
    u16(1), // frame_count
    zeros(32), // compressorname
    u16(0x18), // depth
    u16(0xffff),
    box('avcC', track.avcConfig),
  );
  const stbl = box(
    'stbl',
    fullBox('stsd', 0, 0, u32(1), avc1),
    fullBox('stts', 0, 0, u32(0)),
    fullBox('stsc', 0, 0, u32(0)),
    fullBox('stsz', 0, 0, u32(0), u32(0)),
    fullBox('stco', 0, 0, u32(0)),
  );
  const dinf = box('dinf', fullBox('dref', 0, 0, u32(1), fullBox('url ', 0, 1)));
  const minf = box('minf', fullBox('vmhd', 0, 1, zeros(8)), dinf, stbl);
  const trak = box('trak', tkhd, box('mdia', mdhd, hdlr, minf));
  const mvex = box('mvex', fullBox('trex', 0, 0, u32(TRACK_ID), u32(1), u32(0), u32(0), u32(0)));
  return Buffer.concat([ftyp, box('moov', mvhd, trak, mvex)]);
}

/** One frame as a fragment; `moofLength` is where its mdat starts. */
export function videoFragment(sample: VideoSample): { bytes: Buffer; moofLength: number } {
  const tfdt = fullBox('tfdt', 1, 0, u64(sample.decodeTime));
  const trunOf = (dataOffset: number) =>
    fullBox('trun', 1, TRUN_FLAGS, u32(1), u32(dataOffset), u32(sample.duration), u32(sample.data.length), u32(sample.keyframe ? SAMPLE_KEY : SAMPLE_DEPENDENT), i32(sample.compositionOffset));
  const moofOf = (dataOffset: number) =>
    box('moof', fullBox('mfhd', 0, 0, u32(sample.sequence)), box('traf', fullBox('tfhd', 0, TFHD_DEFAULT_BASE_IS_MOOF, u32(sample.trackId ?? TRACK_ID)), tfdt, trunOf(dataOffset)));
  const moofLength = moofOf(0).length;
  const mdatHeader = Buffer.concat([u32(8 + sample.data.length), Buffer.from('mdat')]);
  return { bytes: Buffer.concat([moofOf(moofLength + 8), mdatHeader, sample.data]), moofLength };
}

function box(type: string, ...payload: Buffer[]): Buffer {
  const size = 8 + payload.reduce((n, b) => n + b.length, 0);
  return Buffer.concat([u32(size), Buffer.from(type, 'latin1'), ...payload]);
}

function fullBox(type: string, version: number, flags: number, ...payload: Buffer[]): Buffer {
  return box(type, u32(version * 0x1000000 + flags), ...payload);
}

/** n bytes written by `write`: the big-endian integers of the boxes. */
function bytes(n: number, write: (b: Buffer) => void): Buffer {
  const b = Buffer.alloc(n);
  write(b);
  return b;
}

const u16 = (v: number) => bytes(2, (b) => b.writeUInt16BE(v));
const u32 = (v: number) => bytes(4, (b) => b.writeUInt32BE(v));
const i32 = (v: number) => bytes(4, (b) => b.writeInt32BE(v));
const u64 = (v: number) => bytes(8, (b) => b.writeBigUInt64BE(BigInt(v)));

function zeros(n: number): Buffer {
  return Buffer.alloc(n);
}

function matrix(): Buffer {
  return Buffer.concat(UNITY_MATRIX.map(u32));
}
