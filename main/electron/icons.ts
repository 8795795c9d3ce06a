/**
 * The tray icon, drawn in code: a ring with a filled dot whose colour says
 * the recording state. Pure (returns PNG bytes), so the app ships no binary
 * icon assets for the tray and the drawing is testable.
 */
import { deflateSync } from 'node:zlib';
import type { TrayIconState } from './tray-status.ts';

/** The theme's --kw-ok / --kw-warn / --kw-danger / --kw-muted, as RGB. */
export const ICON_COLOURS: Record<TrayIconState, [number, number, number]> = {
  ok: [0x3f, 0xb9, 0x50],
  warn: [0xd2, 0x99, 0x22],
  error: [0xf8, 0x51, 0x49],
  idle: [0x8b, 0x94, 0x9e],
};

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** Encodes straight RGBA pixels (size×size) as a PNG. */
export function encodePng(rgba: Uint8Array, size: number): Buffer {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    raw.set(rgba.subarray(y * size * 4, (y + 1) * size * 4), y * (size * 4 + 1) + 1);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type: RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Coverage (0..1) of a pixel by a disc/ring, sampled 4×4 for smooth edges. */
function coverage(px: number, py: number, c: number, inner: number, outer: number): number {
  let hits = 0;
  for (let sy = 0; sy < 4; sy++) {
    for (let sx = 0; sx < 4; sx++) {
      const d = Math.hypot(px + (sx + 0.5) / 4 - c, py + (sy + 0.5) / 4 - c);
      if (d >= inner && d <= outer) hits++;
    }
  }
  return hits / 16;
}

/** RGBA pixels of the icon for a state. */
export function drawTrayIcon(state: TrayIconState, size = 32): Uint8Array {
  const [r, g, b] = ICON_COLOURS[state];
  const out = new Uint8Array(size * size * 4);
  const c = size / 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const ring = coverage(x, y, c, size * 0.36, size * 0.47);
      const dot = coverage(x, y, c, 0, size * 0.24);
      const alpha = Math.min(1, ring + dot);
      const i = (y * size + x) * 4;
      out[i] = r;
      out[i + 1] = g;
      out[i + 2] = b;
      out[i + 3] = Math.round(alpha * 255);
    }
  }
  return out;
}

export function trayIconPng(state: TrayIconState, size = 32): Buffer {
  return encodePng(drawTrayIcon(state, size), size);
}
