/**
 * ISO-BMFF (MP4) box walking. Pure functions over Buffers; no I/O.
 *
 * Only what Keepwatch needs: find top-level boxes in a byte stream, walk the
 * children of container boxes, and read the few full boxes that carry timing
 * (mdhd, tfhd, tfdt, trun, trex) and codec identity (stsd).
 */

export interface Box {
  type: string;
  /** Offset of the box header within the buffer it was read from. */
  start: number;
  /** Total size including the header. */
  size: number;
  /** Offset of the payload (after the header). */
  payload: number;
}

/**
 * Reads one box header at `offset`. Returns null when the header itself is not
 * complete yet. A size of 0 ("to end of file") is not supported for streams and
 * is reported as a malformed box by the callers.
 */
export function readBoxHeader(buf: Buffer, offset: number): Box | null {
  if (buf.length - offset < 8) return null;
  let size = buf.readUInt32BE(offset);
  const type = buf.toString('latin1', offset + 4, offset + 8);
  let header = 8;
  if (size === 1) {
    if (buf.length - offset < 16) return null;
    const big = buf.readBigUInt64BE(offset + 8);
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new Mp4Error(`box ${type} is absurdly large`);
    size = Number(big);
    header = 16;
  }
  if (size !== 0 && size < header) throw new Mp4Error(`box ${JSON.stringify(type)} has invalid size ${size}`);
  return { type, start: offset, size, payload: offset + header };
}

export class Mp4Error extends Error {
  override name = 'Mp4Error';
}

/** Children of a container box (or of a whole buffer when `parent` is omitted). */
export function children(buf: Buffer, parent?: Box, skip = 0): Box[] {
  const out: Box[] = [];
  let offset = (parent ? parent.payload : 0) + skip;
  const end = parent ? parent.start + parent.size : buf.length;
  while (offset < end) {
    const box = readBoxHeader(buf, offset);
    if (!box || box.size === 0 || offset + box.size > end) break;
    out.push(box);
    offset += box.size;
  }
  return out;
}

export function child(buf: Buffer, parent: Box | undefined, type: string, skip = 0): Box | undefined {
  return children(buf, parent, skip).find((b) => b.type === type);
}

/** Follows a path of container boxes, e.g. ['moov','trak','mdia']. First match at each level. */
export function path(buf: Buffer, parent: Box | undefined, types: string[]): Box | undefined {
  let current = parent;
  for (const type of types) {
    const next = child(buf, current, type);
    if (!next) return undefined;
    current = next;
  }
  return current;
}

/**
 * Length of the prefix of `buf` made of complete top-level boxes. Used to cut a
 * segment file that was being written when the process died at its last
 * complete box (a half-written fragment is dropped, everything before stays).
 */
export function completePrefixLength(buf: Buffer): number {
  let offset = 0;
  while (offset < buf.length) {
    let box: Box | null;
    try {
      box = readBoxHeader(buf, offset);
    } catch {
      break;
    }
    if (!box || box.size === 0 || offset + box.size > buf.length) break;
    offset += box.size;
  }
  return offset;
}

export function fullBoxVersionFlags(buf: Buffer, box: Box): { version: number; flags: number } {
  const word = buf.readUInt32BE(box.payload);
  return { version: word >>> 24, flags: word & 0xffffff };
}
