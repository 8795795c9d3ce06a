// Identify footage produced by the simulated cameras (tests/sim/cameras.ts):
// which camera (flat palette colour) and, for live cameras, when (the time
// barcode in the bottom strip). Also makes pre-encoded files for --file.
import { spawn } from 'node:child_process';
import { PALETTE } from './cameras.ts';

type RGB = [number, number, number];
export interface Region {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Run ffmpeg (argument array, no shell); resolve with stdout and stderr. */
function ffmpeg(args: string[]): Promise<{ stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-nostats', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve({ stdout: Buffer.concat(chunks), stderr });
      else reject(new Error(`ffmpeg exited ${code}: ${stderr.slice(-2000)}`));
    });
  });
}

/**
 * Average colour of each sampled frame (default 1 frame per second; 0 = every
 * frame, for a still picture), taken
 * from `region` (default: the centre half of the frame, clear of the clock in
 * the top-left corner and of the barcode strip at the bottom).
 */
export async function sampleColors(
  filePath: string,
  opts: { fps?: number; region?: Region } = {},
): Promise<RGB[]> {
  const r = opts.region;
  const crop = r ? `crop=${r.w}:${r.h}:${r.x}:${r.y}` : 'crop=iw/2:ih/2:iw/4:ih/4';
  // flags=area makes the 1x1 scale a true average of the region.
  // fps 0: every frame as it is (a still picture has one, which the fps filter would drop).
  const vf = `${opts.fps === 0 ? '' : `fps=${opts.fps ?? 1},`}${crop},format=rgb24,scale=1:1:flags=area`;
  const { stdout } = await ffmpeg(['-v', 'error', '-i', filePath, '-an', '-vf', vf, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
  const out: RGB[] = [];
  for (let i = 0; i + 3 <= stdout.length; i += 3) out.push([stdout[i]!, stdout[i + 1]!, stdout[i + 2]!]);
  return out;
}

/** Closest palette colour (Euclidean distance in RGB). */
export function nearestPalette(rgb: RGB): { index: number; distance: number } {
  let best = { index: -1, distance: Infinity };
  PALETTE.forEach((p, index) => {
    const distance = Math.hypot(rgb[0] - p.rgb[0], rgb[1] - p.rgb[1], rgb[2] - p.rgb[2]);
    if (distance < best.distance) best = { index, distance };
  });
  return best;
}

/**
 * Palette index of every sampled frame. `consistent`: at least one frame and
 * all the same. `maxDistance`: worst colour error (a few units for a clean
 * recording; > ~40 means the frame is not a flat palette colour).
 */
export async function fileSignature(
  filePath: string,
  opts: { fps?: number; region?: Region } = {},
): Promise<{ indices: number[]; consistent: boolean; maxDistance: number }> {
  const matches = (await sampleColors(filePath, opts)).map(nearestPalette);
  const indices = matches.map((m) => m.index);
  return {
    indices,
    consistent: indices.length > 0 && indices.every((i) => i === indices[0]),
    maxDistance: Math.max(0, ...matches.map((m) => m.distance)),
  };
}

// ---------------------------------------------------------------- time barcode
// Layout, written by rtsp_camera.py (keep in sync): the bottom
// max(8, floor(H/16) & ~1) rows hold BITS equal-width blocks, black = 0,
// white = 1, MSB first: 36 bits of UTC wall clock in tenths of a second
// (mod 2^36) then a 4-bit checksum = sum of the nine nibbles mod 16.
const BITS = 40;
const VALUE_BITS = 36;
const SAMPLES_PER_BIT = 8; // decodeTimestamps scales the strip row to BITS * 8 pixels

/** Decode one RGB24 row crossing the barcode strip. Returns UTC epoch ms, or null. */
export function decodeTimestampFromRow(row: Uint8Array, width: number): number | null {
  let value = 0n;
  let check = 0n;
  for (let i = 0; i < BITS; i++) {
    const x = Math.floor(((i + 0.5) * width) / BITS); // centre of block i
    const o = x * 3;
    const luma = (row[o]! + row[o + 1]! + row[o + 2]!) / 3;
    const bit = luma >= 128 ? 1n : 0n;
    if (i < VALUE_BITS) value = (value << 1n) | bit;
    else check = (check << 1n) | bit;
  }
  let sum = 0n;
  for (let i = 0n; i < BigInt(VALUE_BITS / 4); i++) sum += (value >> (4n * i)) & 0xfn;
  if ((sum & 0xfn) !== check) return null;
  // Undo the mod 2^36 (a 218-year window): pick the value nearest to now.
  const now = BigInt(Date.now()) / 100n;
  const period = 1n << BigInt(VALUE_BITS);
  const base = now - (now % period);
  let best = base + value;
  for (const c of [best - period, best + period]) {
    const d = (x: bigint) => (x > now ? x - now : now - x);
    if (d(c) < d(best)) best = c;
  }
  return Number(best) * 100;
}

/** Decode the time barcode of a full RGB24 frame (e.g. a screenshot of the live view). */
export function decodeTimestampFromRgbFrame(rgb: Uint8Array, width: number, height: number): number | null {
  const strip = Math.max(8, Math.floor(height / 16) & ~1);
  const y = height - Math.floor(strip / 2);
  return decodeTimestampFromRow(rgb.subarray(y * width * 3, (y + 1) * width * 3), width);
}

/**
 * Capture time (UTC epoch ms, 100 ms resolution) of every frame of a recording
 * of a live sim camera, or of `fps` frames per second if given. `pts` is the
 * frame's presentation time in the file (seconds); `epochMs` is null where the
 * barcode did not decode (e.g. a frame not from a live sim camera).
 */
export async function decodeTimestamps(
  filePath: string,
  opts: { fps?: number } = {},
): Promise<{ pts: number; epochMs: number | null }[]> {
  // Rows through the middle of the strip (same formula as above, as an
  // ffmpeg expression), scaled to one row of known width; showinfo logs each pts.
  const filters = [
    ...(opts.fps ? [`fps=${opts.fps}`] : []),
    // h=2: crop cannot cut a single row out of 4:2:0 video.
    "crop=w=iw:h=2:x=0:y='ih-max(8,trunc(ih/32)*2)/2'",
    `scale=${BITS * SAMPLES_PER_BIT}:1:flags=neighbor`,
    'showinfo',
  ];
  const { stdout, stderr } = await ffmpeg(['-v', 'info', '-i', filePath, '-an', '-vf', filters.join(','), '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
  const pts = [...stderr.matchAll(/\bpts_time:\s*(-?[\d.]+(?:e[-+]?\d+)?)/g)].map((m) => Number(m[1]));
  const rowBytes = BITS * SAMPLES_PER_BIT * 3;
  const out: { pts: number; epochMs: number | null }[] = [];
  for (let i = 0; (i + 1) * rowBytes <= stdout.length; i++) {
    const row = stdout.subarray(i * rowBytes, (i + 1) * rowBytes);
    out.push({ pts: pts[i] ?? NaN, epochMs: decodeTimestampFromRow(row, BITS * SAMPLES_PER_BIT) });
  }
  return out;
}

// ---------------------------------------------------------------- test files
/**
 * Encode a flat palette-colour clip with a visible running clock (top-left),
 * for `rtsp_camera.py --file` (cheap re-serving for benchmarks). No B-frames,
 * a keyframe every `gop` frames (default fps). `noise` adds moving grain so
 * the bitrate is realistic (a flat frame compresses to almost nothing);
 * the average colour is unchanged.
 */
export async function makeTestFile(
  path: string,
  o: {
    width?: number;
    height?: number;
    fps?: number;
    seconds?: number;
    color?: number;
    codec?: 'h264' | 'h265';
    gop?: number;
    bitrate?: string;
    noise?: boolean;
  } = {},
): Promise<void> {
  const { width = 1920, height = 1080, fps = 25, seconds = 10, color = 0, codec = 'h264' } = o;
  const gop = o.gop ?? fps;
  const rgb = PALETTE[color % PALETTE.length]!.rgb;
  const hex = rgb.map((v) => v.toString(16).padStart(2, '0')).join('');
  const vf = [
    ...(o.noise ? ['noise=alls=12:allf=t'] : []),
    "drawtext=text='%{pts\\:hms}':x=h/40:y=h/40:fontsize=h/20:fontcolor=white:box=1:boxcolor=black@0.5",
    'format=yuv420p',
  ].join(',');
  const enc =
    codec === 'h264'
      ? ['-c:v', 'libx264', '-preset', 'ultrafast', '-bf', '0', '-g', String(gop), '-keyint_min', String(gop)]
      : ['-c:v', 'libx265', '-preset', 'ultrafast', '-tag:v', 'hvc1',
         '-x265-params', `bframes=0:keyint=${gop}:min-keyint=${gop}:scenecut=0:log-level=error`];
  await ffmpeg([
    '-v', 'error', '-y',
    '-f', 'lavfi', '-i', `color=c=0x${hex}:s=${width}x${height}:r=${fps}:d=${seconds}`,
    '-vf', vf, ...enc, '-b:v', o.bitrate ?? '4M',
    '-colorspace', 'bt470bg', '-color_primaries', 'bt470bg', '-color_trc', 'smpte170m', '-color_range', 'tv',
    '-movflags', '+faststart', path,
  ]);
}
