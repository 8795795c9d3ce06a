/**
 * The icons in resources/ (resources/README.md): the committed renderings are
 * the current rendering of the current sources (resources/build/icons.json,
 * written by scripts/make-icons.mjs), each has the size and format the
 * installers and the tray need, the tray icons carry their state's theme
 * colour, and the main process and electron-builder point at them.
 */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { inflateSync } from 'node:zlib';

const ROOT = resolve(import.meta.dirname, '../..');
const RES = join(ROOT, 'resources');
const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
const manifest = JSON.parse(readFileSync(join(RES, 'build/icons.json'), 'utf8')) as {
  sources: { 'icon.svg': string; 'tray.svg': string; trayColours: Record<string, string> };
  outputs: Record<string, string>;
};
const STATE_PROPERTY = { ok: '--kw-ok', warn: '--kw-warn', error: '--kw-danger', idle: '--kw-muted' } as const;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A PNG (8-bit RGB or RGBA, any filter, not interlaced) → width, height, RGBA pixels. */
function decodePng(png: Buffer): { width: number; height: number; rgba: Buffer } {
  expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('ascii', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect(data[8]).toBe(8); // bit depth
      expect([2, 6]).toContain(data[9]); // RGB or RGBA
      expect(data[12]).toBe(0); // not interlaced
      channels = data[9] === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    if (filter > 4) throw new Error(`bad PNG filter ${filter}`);
    for (let x = 0; x < stride; x++) {
      const byte = raw[y * (stride + 1) + 1 + x];
      const a = x >= channels ? pixels[y * stride + x - channels] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels] : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const predictor = filter === 0 ? 0 : filter === 1 ? a : filter === 2 ? b : filter === 3 ? (a + b) >> 1 : paeth;
      pixels[y * stride + x] = (byte + predictor) & 0xff;
    }
  }
  const rgba = Buffer.alloc(width * height * 4, 255);
  for (let i = 0; i < width * height; i++) pixels.copy(rgba, i * 4, i * channels, i * channels + channels);
  return { width, height, rgba };
}

/** Width and height from a PNG's IHDR, without decoding it. */
function pngSize(png: Buffer): [number, number] {
  expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
  expect(png.toString('ascii', 12, 16)).toBe('IHDR');
  return [png.readUInt32BE(16), png.readUInt32BE(20)];
}

const read = (rel: string) => readFileSync(join(RES, rel));
const hex = (rgb: number[]) => `#${rgb.map((v) => v.toString(16).padStart(2, '0')).join('')}`;

describe('icon sources and renderings', () => {
  it('the renderings are up to date with the SVG sources and the theme colours (else: npm run icons)', () => {
    expect(manifest.sources['icon.svg']).toBe(sha256(read('icon.svg')));
    expect(manifest.sources['tray.svg']).toBe(sha256(read('tray.svg')));
    const theme = readFileSync(join(ROOT, 'renderer/src/ui/theme.css'), 'utf8');
    for (const [state, property] of Object.entries(STATE_PROPERTY)) {
      const declared = new RegExp(`${property}:\\s*(#[0-9a-fA-F]{6})`).exec(theme)?.[1].toLowerCase();
      expect(manifest.sources.trayColours[state], state).toBe(declared);
    }
  });

  it('every rendering on disk is the one the script wrote', () => {
    expect(Object.keys(manifest.outputs).length).toBeGreaterThanOrEqual(18);
    for (const [rel, hash] of Object.entries(manifest.outputs)) {
      if (rel === 'build/icons.json') continue;
      expect(sha256(read(rel)), rel).toBe(hash);
    }
  });

  it('the app icon: 1024 px PNG, opaque centre, transparent rounded corners', () => {
    const { width, height, rgba } = decodePng(read('build/icon.png'));
    expect([width, height]).toEqual([1024, 1024]);
    expect(rgba[(512 * 1024 + 512) * 4 + 3]).toBe(255);
    expect(rgba[3]).toBe(0);
  });

  it('the Linux window icon: 512 px', () => {
    expect(pngSize(read('icon.png'))).toEqual([512, 512]);
    expect(readFileSync(join(ROOT, 'main/electron/icons.ts'), 'utf8')).toContain(`'../../resources/icon.png?asset'`);
  });

  it('Linux: one PNG per size in build/icons/', () => {
    for (const size of [16, 32, 48, 64, 128, 256, 512]) {
      expect(pngSize(read(`build/icons/${size}x${size}.png`))).toEqual([size, size]);
    }
  });

  it('Windows: an ICO with 16–256 px PNG images', () => {
    const ico = read('build/icon.ico');
    expect([ico.readUInt16LE(0), ico.readUInt16LE(2)]).toEqual([0, 1]);
    const sizes: number[] = [];
    for (let i = 0; i < ico.readUInt16LE(4); i++) {
      const entry = ico.subarray(6 + i * 16, 6 + (i + 1) * 16);
      const [length, offset] = [entry.readUInt32LE(8), entry.readUInt32LE(12)];
      const [width] = pngSize(ico.subarray(offset, offset + length));
      expect(entry[0] || 256).toBe(width);
      sizes.push(width);
    }
    expect(sizes).toEqual([16, 24, 32, 48, 64, 128, 256]);
  });

  it('macOS: an ICNS whose entries are PNGs of their type’s size', () => {
    const icns = read('build/icon.icns');
    expect(icns.toString('ascii', 0, 4)).toBe('icns');
    expect(icns.readUInt32BE(4)).toBe(icns.length);
    const expected: Record<string, number> = { icp4: 16, icp5: 32, icp6: 64, ic07: 128, ic08: 256, ic09: 512, ic10: 1024, ic11: 32, ic12: 64, ic13: 256, ic14: 512 };
    const seen: string[] = [];
    for (let offset = 8; offset < icns.length; ) {
      const type = icns.toString('ascii', offset, offset + 4);
      const length = icns.readUInt32BE(offset + 4);
      expect(pngSize(icns.subarray(offset + 8, offset + length))[0], type).toBe(expected[type]);
      seen.push(type);
      offset += length;
    }
    expect(seen.sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.keys(STATE_PROPERTY))('tray %s: 16 px and @2x 32 px, the state colour at the centre, transparent corners', (state) => {
    for (const [file, size] of [[`tray/${state}.png`, 16], [`tray/${state}@2x.png`, 32]] as const) {
      const { width, rgba } = decodePng(read(file));
      expect(width).toBe(size);
      const px = (x: number, y: number) => [...rgba.subarray((y * size + x) * 4, (y * size + x) * 4 + 4)];
      expect(px(size / 2, size / 2)[3]).toBe(255);
      expect(hex(px(size / 2, size / 2).slice(0, 3))).toBe(manifest.sources.trayColours[state]);
      expect(px(0, 0)[3]).toBe(0);
    }
  });
});

describe('who uses them', () => {
  it('main/electron/icons.ts imports every tray state’s file as an electron-vite asset', () => {
    const source = readFileSync(join(ROOT, 'main/electron/icons.ts'), 'utf8');
    for (const state of Object.keys(STATE_PROPERTY)) {
      expect(source).toContain(`'../../resources/tray/${state}.png?asset'`);
      expect(existsSync(join(RES, `tray/${state}@2x.png`))).toBe(true);
    }
  });
});
