/**
 * Keepwatch's icons, drawn in code: a ring with a filled dot (a lens, a
 * recording light). The tray's colour says the recording state; the app icon
 * (installers) is the same mark in the accent colour on the dark panel.
 * Pure (returns PNG bytes), so the repository holds no binary icon assets
 * and the drawing is testable. electron.vite.config.ts writes the app icon to
 * out/build/icon.png for electron-builder.
 */
import { deflateSync } from 'node:zlib';
import type { TrayIconState } from './tray-status.ts';

/** The theme's --kw-ok / --kw-warn / --kw-danger / --kw-muted, as RGB. */
export const ICON_COLOURS: Record<TrayIconState, [number, number, number]> = {
  ok: [0x22, 0xc5, 0x5e],
  warn: [0xf5, 0x9e, 0x0b],
  error: [0xef, 0x44, 0x44],
  idle: [0x8b, 0x92, 0x9c],
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

/** --kw-accent and --kw-panel. */
const ACCENT: [number, number, number] = [0x3b, 0x82, 0xf6];
const PANEL: [number, number, number] = [0x15, 0x18, 0x1d];

/** The application icon: the mark on a dark rounded square. */
export function appIconPng(size = 1024): Buffer {
  const out = new Uint8Array(size * size * 4);
  const c = size / 2;
  const radius = size * 0.2;
  const half = size * 0.46;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      // Rounded square: distance to the inner rectangle's edge.
      const dx = Math.max(Math.abs(x + 0.5 - c) - (half - radius), 0);
      const dy = Math.max(Math.abs(y + 0.5 - c) - (half - radius), 0);
      const inSquare = Math.min(1, Math.max(0, radius - Math.hypot(dx, dy) + 0.5));
      const mark = Math.min(1, coverage(x, y, c, size * 0.25, size * 0.33) + coverage(x, y, c, 0, size * 0.16));
      const i = (y * size + x) * 4;
      for (let k = 0; k < 3; k++) out[i + k] = Math.round(PANEL[k] * (1 - mark) + ACCENT[k] * mark);
      out[i + 3] = Math.round(inSquare * 255);
    }
  }
  return encodePng(out, size);
}
