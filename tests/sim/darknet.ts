/**
 * Ground-truth pictures from Debian's `darknet` package (it ships no weights,
 * only sample images): person.jpg (a person with a dog and a horse), dog.jpg
 * (a dog, a bicycle, a pickup truck), horses.jpg (horses, nobody), kite.jpg
 * (a beach with a few small people and kites).
 *
 * Installed for tests and CI into /usr/share/keepwatch-test/darknet:
 *   cd /tmp && apt-get download darknet && dpkg -x darknet_*.deb /tmp/darknet-deb
 *   mkdir -p /usr/share/keepwatch-test/darknet
 *   cp /tmp/darknet-deb/usr/share/darknet/data/{person,dog,horses,kite}.jpg /usr/share/keepwatch-test/darknet/
 * (or set KEEPWATCH_DARKNET_DIR; an installed darknet package's
 * /usr/share/darknet/data works too).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RgbFrame } from '../../main/engine/detection/types.ts';

export type DarknetPicture = 'person' | 'dog' | 'horses' | 'kite';

const CANDIDATES = [process.env.KEEPWATCH_DARKNET_DIR, '/usr/share/keepwatch-test/darknet', '/usr/share/darknet/data'].filter(
  (d): d is string => !!d,
);

/** The folder holding the pictures, or null when they are not installed. */
export function darknetDir(): string | null {
  return CANDIDATES.find((d) => existsSync(join(d, 'person.jpg'))) ?? null;
}

/** The path of one picture; throws with the install commands when missing. */
export function darknetPicture(name: DarknetPicture): string {
  const dir = darknetDir();
  if (!dir) throw new Error('darknet test pictures are missing: see tests/sim/darknet.ts for the apt-get download / dpkg -x commands');
  return join(dir, `${name}.jpg`);
}

/** Decodes a picture with ffmpeg into an rgb24 frame, optionally scaled to `width` (height keeps the aspect, even). */
export function loadRgbFrame(path: string, opts: { width?: number; at?: number } = {}): RgbFrame {
  const probe = (w: number | undefined) => {
    const args = ['-v', 'error', '-i', path];
    if (w) args.push('-vf', `scale=${w}:-2`);
    return args;
  };
  const size = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', path]).toString().trim().split(',').map(Number);
  let [width, height] = size;
  if (opts.width) {
    height = Math.round((height * opts.width) / width / 2) * 2;
    width = opts.width;
  }
  const data = execFileSync('ffmpeg', [...probe(opts.width), '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 64 << 20 });
  if (data.length !== width * height * 3) throw new Error(`${path}: decoded ${data.length} bytes, expected ${width}×${height}×3`);
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.length), at: opts.at ?? 0 };
}
