/**
 * When a fragmented MP4's media starts, read from its boxes (pure; no DOM).
 *
 * The player places each run's first frame at the play head
 * (`SourceBuffer.timestampOffset`) instead of seeking to where the camera's
 * timestamps put it: a seek before the first frame is a pipeline flush
 * that cost the first frame 2–95 ms (docs/live.md, "Player").
 *
 * ISO/IEC 14496-12: the init's moov/trak carries each track's id (tkhd),
 * timescale (mdia/mdhd) and kind (mdia/hdlr); a fragment's moof/traf
 * carries its track (tfhd), its first decode time (tfdt) and the first
 * sample's composition offset (trun), so the first frame is presented at
 * (tfdt + offset) / timescale.
 *
 * With audio beside the video (a camera's main stream), the video's start
 * is the one that counts: it is the keyframe that must land at the play
 * head; audio that starts earlier is only cut short (live view is muted).
 */

export interface TrackTime {
  /** Units per second. */
  timescale: number;
  video: boolean;
}

/** Track id → its timescale and whether it is video, from an init segment; empty if it has none. */
export function trackTimes(init: ArrayBuffer): Map<number, TrackTime> {
  const view = new DataView(init);
  const out = new Map<number, TrackTime>();
  const moov = child(view, 0, view.byteLength, 'moov');
  if (!moov) return out;
  for (const trak of children(view, moov.body, moov.end, 'trak')) {
    const tkhd = child(view, trak.body, trak.end, 'tkhd');
    const mdia = child(view, trak.body, trak.end, 'mdia');
    const mdhd = mdia && child(view, mdia.body, mdia.end, 'mdhd');
    const hdlr = mdia && child(view, mdia.body, mdia.end, 'hdlr');
    const tkhdHead = tkhd && fullBox(view, tkhd);
    const mdhdHead = mdhd && fullBox(view, mdhd);
    if (!tkhd || !mdhd || !tkhdHead || !mdhdHead) continue;
    // Version 1 has 64-bit times before the id / timescale.
    const id = fits(view, tkhd.body + (tkhdHead.version === 1 ? 20 : 12), 4, tkhd.end);
    const scale = fits(view, mdhd.body + (mdhdHead.version === 1 ? 20 : 12), 4, mdhd.end);
    if (id === null || scale === null) continue;
    const timescale = view.getUint32(scale);
    // hdlr: version/flags (4), pre_defined (4), then the handler type.
    const handler = hdlr ? fits(view, hdlr.body + 8, 4, hdlr.end) : null;
    const video = handler !== null && boxType(view, handler) === 'vide';
    if (timescale > 0) out.set(view.getUint32(id), { timescale, video });
  }
  return out;
}

/**
 * Seconds at which a media fragment's first frame is presented: its video's
 * (the earliest over all its tracks if it has no video), or null if it
 * cannot tell.
 */
export function fragmentStart(fragment: ArrayBuffer, tracks: Map<number, TrackTime>): number | null {
  const view = new DataView(fragment);
  const moof = child(view, 0, view.byteLength, 'moof');
  if (!moof) return null;
  let start: number | null = null;
  let videoStart: number | null = null;
  for (const traf of children(view, moof.body, moof.end, 'traf')) {
    const tfhd = child(view, traf.body, traf.end, 'tfhd');
    const tfdt = child(view, traf.body, traf.end, 'tfdt');
    const id = tfhd ? fits(view, tfhd.body + 4, 4, tfhd.end) : null;
    const track = id !== null ? tracks.get(view.getUint32(id)) : undefined;
    const tfdtHead = tfdt && fullBox(view, tfdt);
    if (!tfdt || !tfdtHead || !track) continue;
    const wide = tfdtHead.version === 1;
    const at = fits(view, tfdt.body + 4, wide ? 8 : 4, tfdt.end);
    if (at === null) continue;
    const decodeTime = wide ? Number(view.getBigUint64(at)) : view.getUint32(at);
    const trun = child(view, traf.body, traf.end, 'trun');
    const seconds = (decodeTime + (trun ? firstCompositionOffset(view, trun) : 0)) / track.timescale;
    if (start === null || seconds < start) start = seconds;
    if (track.video && (videoStart === null || seconds < videoStart)) videoStart = seconds;
  }
  return videoStart ?? start;
}

interface Box {
  /** Where the box's content starts (after its header). */
  body: number;
  end: number;
}

/** The first sample's composition offset in a trun (0 if it has none). */
function firstCompositionOffset(view: DataView, trun: Box): number {
  const head = fullBox(view, trun);
  if (!head || !(head.flags & 0x800)) return 0;
  const { version, flags } = head;
  // After version/flags and sample_count: data_offset (0x1) and first_sample_flags (0x4) if present,
  // then the first sample's duration (0x100), size (0x200) and flags (0x400) before its offset.
  let at = trun.body + 8;
  for (const bit of [0x1, 0x4, 0x100, 0x200, 0x400]) if (flags & bit) at += 4;
  const offset = fits(view, at, 4, trun.end);
  if (offset === null) return 0;
  return version === 0 ? view.getUint32(offset) : view.getInt32(offset);
}

/** A full box's version and flags (its first 4 bytes), or null if it is too short to have them. */
function fullBox(view: DataView, box: Box): { version: number; flags: number } | null {
  if (fits(view, box.body, 4, box.end) === null) return null;
  const word = view.getUint32(box.body);
  return { version: word >>> 24, flags: word & 0xffffff };
}

/** `at` if `size` bytes from it lie inside the box ending at `end`, else null. */
function fits(view: DataView, at: number, size: number, end: number): number | null {
  return at + size <= Math.min(end, view.byteLength) ? at : null;
}

function child(view: DataView, from: number, end: number, type: string): Box | null {
  for (const box of children(view, from, end, type)) return box;
  return null;
}

/** The boxes of `type` between `from` and `end`; stops at the first malformed header. */
function* children(view: DataView, from: number, end: number, type: string): Generator<Box> {
  let at = from;
  const limit = Math.min(end, view.byteLength);
  while (at + 8 <= limit) {
    let size = view.getUint32(at);
    let header = 8;
    if (size === 1) {
      if (at + 16 > limit) return;
      size = Number(view.getBigUint64(at + 8));
      header = 16;
    } else if (size === 0) size = limit - at; // to the end
    if (size < header || at + size > limit) return;
    if (boxType(view, at + 4) === type) yield { body: at + header, end: at + size };
    at += size;
  }
}

function boxType(view: DataView, at: number): string {
  return String.fromCharCode(view.getUint8(at), view.getUint8(at + 1), view.getUint8(at + 2), view.getUint8(at + 3));
}
