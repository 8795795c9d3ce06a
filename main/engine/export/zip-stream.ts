/**
 * A streaming ZIP writer for export downloads: entries are stored (no
 * compression: video does not compress, and stored entries stream at disk
 * speed), CRC-32 is computed on the way, sizes go in data descriptors, and
 * ZIP64 records are used only where a size or offset passes 4 GiB. The total
 * length is known before the first byte (Content-Length).
 */
import { createReadStream } from 'node:fs';
import { crc32 } from 'node:zlib';
import type { Writable } from 'node:stream';

export interface ZipEntry {
  /** Name inside the archive (forward slashes). */
  name: string;
  path: string;
  size: number;
  mtimeMs: number;
}

const MAX32 = 0xffffffff;
const LOCAL = 30;
const CENTRAL = 46;
const EOCD = 22;
const EOCD64 = 56;
const LOCATOR64 = 20;

interface Placed extends ZipEntry {
  nameBytes: Buffer;
  offset: number;
  zip64: boolean;
}

function place(entries: ZipEntry[]): { placed: Placed[]; centralOffset: number; centralSize: number; total: number; zip64: boolean } {
  let pos = 0;
  const placed: Placed[] = [];
  for (const e of entries) {
    const nameBytes = Buffer.from(e.name, 'utf8');
    const zip64 = e.size >= MAX32 || pos >= MAX32;
    placed.push({ ...e, nameBytes, offset: pos, zip64 });
    pos += LOCAL + nameBytes.length + (zip64 ? 20 : 0) + e.size + (zip64 ? 24 : 16);
  }
  const centralOffset = pos;
  let centralSize = 0;
  for (const p of placed) centralSize += CENTRAL + p.nameBytes.length + (p.zip64 ? 28 : 0);
  const zip64 = placed.some((p) => p.zip64) || centralOffset + centralSize >= MAX32 || placed.length >= 0xffff;
  const total = centralOffset + centralSize + (zip64 ? EOCD64 + LOCATOR64 : 0) + EOCD;
  return { placed, centralOffset, centralSize, total, zip64 };
}

export function zipLength(entries: ZipEntry[]): number {
  return place(entries).total;
}

function dosTime(ms: number): { time: number; date: number } {
  const d = new Date(ms);
  const year = Math.max(1980, d.getUTCFullYear());
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2),
    date: ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}

function write(out: Writable, buf: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    if (out.destroyed) return reject(new Error('the download was closed'));
    if (out.write(buf)) resolve();
    else {
      const onDrain = () => { out.off('close', onClose); resolve(); };
      const onClose = () => { out.off('drain', onDrain); reject(new Error('the download was closed')); };
      out.once('drain', onDrain);
      out.once('close', onClose);
    }
  });
}

/** Writes the whole archive to `out` (not ended). */
export async function writeZip(entries: ZipEntry[], out: Writable): Promise<void> {
  const layout = place(entries);
  const crcs: number[] = [];
  for (const e of layout.placed) {
    const { time, date } = dosTime(e.mtimeMs);
    const local = Buffer.alloc(LOCAL);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(e.zip64 ? 45 : 20, 4);
    local.writeUInt16LE(0x0808, 6); // data descriptor + UTF-8 names
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(0, 14);
    local.writeUInt32LE(e.zip64 ? MAX32 : 0, 18);
    local.writeUInt32LE(e.zip64 ? MAX32 : 0, 22);
    local.writeUInt16LE(e.nameBytes.length, 26);
    local.writeUInt16LE(e.zip64 ? 20 : 0, 28);
    const extra = e.zip64 ? Buffer.alloc(20) : Buffer.alloc(0);
    if (e.zip64) {
      extra.writeUInt16LE(0x0001, 0);
      extra.writeUInt16LE(16, 2); // sizes follow in the data descriptor
    }
    await write(out, Buffer.concat([local, e.nameBytes, extra]));
    let crc = 0;
    let seen = 0;
    for await (const chunk of createReadStream(e.path, { highWaterMark: 1024 * 1024 })) {
      const b = chunk as Buffer;
      crc = crc32(b, crc);
      seen += b.length;
      await write(out, b);
    }
    if (seen !== e.size) throw new Error(`${e.name} changed size while being zipped`);
    crcs.push(crc);
    const desc = Buffer.alloc(e.zip64 ? 24 : 16);
    desc.writeUInt32LE(0x08074b50, 0);
    desc.writeUInt32LE(crc >>> 0, 4);
    if (e.zip64) {
      desc.writeBigUInt64LE(BigInt(e.size), 8);
      desc.writeBigUInt64LE(BigInt(e.size), 16);
    } else {
      desc.writeUInt32LE(e.size, 8);
      desc.writeUInt32LE(e.size, 12);
    }
    await write(out, desc);
  }
  const central: Buffer[] = [];
  layout.placed.forEach((e, i) => {
    const { time, date } = dosTime(e.mtimeMs);
    const h = Buffer.alloc(CENTRAL);
    h.writeUInt32LE(0x02014b50, 0);
    h.writeUInt16LE((3 << 8) | (e.zip64 ? 45 : 20), 4); // made by: Unix
    h.writeUInt16LE(e.zip64 ? 45 : 20, 6);
    h.writeUInt16LE(0x0808, 8);
    h.writeUInt16LE(0, 10);
    h.writeUInt16LE(time, 12);
    h.writeUInt16LE(date, 14);
    h.writeUInt32LE(crcs[i] >>> 0, 16);
    h.writeUInt32LE(e.zip64 ? MAX32 : e.size, 20);
    h.writeUInt32LE(e.zip64 ? MAX32 : e.size, 24);
    h.writeUInt16LE(e.nameBytes.length, 28);
    h.writeUInt16LE(e.zip64 ? 28 : 0, 30);
    h.writeUInt16LE(0, 32);
    h.writeUInt16LE(0, 34);
    h.writeUInt16LE(0, 36);
    h.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    h.writeUInt32LE(e.zip64 ? MAX32 : e.offset, 42);
    central.push(h, e.nameBytes);
    if (e.zip64) {
      const x = Buffer.alloc(28);
      x.writeUInt16LE(0x0001, 0);
      x.writeUInt16LE(24, 2);
      x.writeBigUInt64LE(BigInt(e.size), 4);
      x.writeBigUInt64LE(BigInt(e.size), 12);
      x.writeBigUInt64LE(BigInt(e.offset), 20);
      central.push(x);
    }
  });
  const n = layout.placed.length;
  if (layout.zip64) {
    const rec = Buffer.alloc(EOCD64);
    rec.writeUInt32LE(0x06064b50, 0);
    rec.writeBigUInt64LE(BigInt(EOCD64 - 12), 4);
    rec.writeUInt16LE(45, 12);
    rec.writeUInt16LE(45, 14);
    rec.writeUInt32LE(0, 16);
    rec.writeUInt32LE(0, 20);
    rec.writeBigUInt64LE(BigInt(n), 24);
    rec.writeBigUInt64LE(BigInt(n), 32);
    rec.writeBigUInt64LE(BigInt(layout.centralSize), 40);
    rec.writeBigUInt64LE(BigInt(layout.centralOffset), 48);
    const loc = Buffer.alloc(LOCATOR64);
    loc.writeUInt32LE(0x07064b50, 0);
    loc.writeUInt32LE(0, 4);
    loc.writeBigUInt64LE(BigInt(layout.centralOffset + layout.centralSize), 8);
    loc.writeUInt32LE(1, 16);
    central.push(rec, loc);
  }
  const end = Buffer.alloc(EOCD);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Math.min(n, 0xffff), 8);
  end.writeUInt16LE(Math.min(n, 0xffff), 10);
  end.writeUInt32LE(layout.zip64 ? MAX32 : layout.centralSize, 12);
  end.writeUInt32LE(layout.zip64 ? MAX32 : layout.centralOffset, 16);
  central.push(end);
  await write(out, Buffer.concat(central));
}
