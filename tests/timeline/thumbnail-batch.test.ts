/**
 * Background thumbnails are made in batches by one ffmpeg
 * (renderKeyframeJpegs): each picture must come from its own input, whatever
 * the inputs' sizes and codecs, and a bad input must not cost the others theirs.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/tmp.ts';
import { indexSegment } from '../../main/engine/mp4/fragment-index.ts';
import { renderKeyframeJpeg, renderKeyframeJpegs } from '../../main/engine/thumbnails/render-keyframe.ts';

const tmp = tempDir('kw-thumbbatch-');
/** Init + first keyframe fragment of a flat-colour clip, as the thumbnail service feeds ffmpeg. */
const keyframes: { colour: [number, number, number]; size: string; mp4: Buffer }[] = [];

async function keyframeOf(colour: string, size: string, codec: string): Promise<Buffer> {
  const file = join(tmp.dir, `${colour}-${size}-${codec}.mp4`);
  execFileSync('ffmpeg', [
    '-v', 'error', '-f', 'lavfi', '-i', `color=c=${colour}:s=${size}:r=15:d=2`, '-c:v', codec, ...(codec === 'libx265' ? ['-x265-params', 'log-level=error', '-tag:v', 'hvc1'] : []),
    '-pix_fmt', 'yuv420p', '-g', '15', '-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '250000', file,
  ]);
  const bytes = readFileSync(file);
  const index = await indexSegment(async (p, n) => bytes.subarray(p, p + n), bytes.length);
  const f = index.fragments.find((x) => x.keyframe)!;
  return Buffer.concat([index.init, bytes.subarray(f.offset, f.offset + f.size)]);
}

/** The mean colour of a JPEG (decoded by ffmpeg to one pixel). */
function meanColour(jpeg: Buffer): number[] {
  const file = join(tmp.dir, `probe-${Math.random()}.jpg`);
  writeFileSync(file, jpeg);
  return [...execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-vf', 'scale=1:1:flags=area', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'])];
}

function sizeOf(jpeg: Buffer): string {
  const file = join(tmp.dir, `size-${Math.random()}.jpg`);
  writeFileSync(file, jpeg);
  return execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0:s=x', file]).toString().trim();
}

beforeAll(async () => {
  const specs: [string, [number, number, number], string, string][] = [
    ['red', [255, 0, 0], '640x360', 'libx264'],
    ['lime', [0, 255, 0], '320x240', 'libx264'],
    ['blue', [0, 0, 255], '1280x720', 'libx265'],
    ['yellow', [255, 255, 0], '352x288', 'libx264'],
  ];
  for (const [name, colour, size, codec] of specs) keyframes.push({ colour, size, mp4: await keyframeOf(name, size, codec) });
  return () => tmp.cleanup();
}, 60_000);

const close = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]) < 40);

describe('thumbnails in one ffmpeg', () => {
  it('gives each input its own picture, at its own aspect ratio, H.264 and H.265 mixed', async () => {
    const jpegs = await renderKeyframeJpegs('ffmpeg', keyframes.map((k) => k.mp4), { width: 160, timeoutMs: 20_000 });
    expect(jpegs).toHaveLength(keyframes.length);
    for (const [i, jpeg] of jpegs.entries()) {
      expect(jpeg).toBeInstanceOf(Buffer);
      expect(close(meanColour(jpeg as Buffer), keyframes[i].colour)).toBe(true);
      const [w, h] = keyframes[i].size.split('x').map(Number);
      expect(sizeOf(jpeg as Buffer)).toBe(`160x${2 * Math.round((160 * h) / w / 2)}`);
    }
  });

  it('in any order: the pictures follow their inputs', async () => {
    const order = [3, 0, 2, 1];
    const jpegs = await renderKeyframeJpegs('ffmpeg', order.map((i) => keyframes[i].mp4), { width: 160, timeoutMs: 20_000 });
    for (const [k, i] of order.entries()) expect(close(meanColour(jpegs[k] as Buffer), keyframes[i].colour)).toBe(true);
  });

  it('makes the same picture as one ffmpeg per thumbnail', async () => {
    const [batch] = await renderKeyframeJpegs('ffmpeg', [keyframes[0].mp4, keyframes[1].mp4], { width: 160, timeoutMs: 20_000 });
    const single = await renderKeyframeJpeg('ffmpeg', keyframes[0].mp4, { width: 160, timeoutMs: 20_000 });
    expect(meanColour(batch as Buffer)).toEqual(meanColour(single));
  });

  it('a bad input fails the batch with an error per picture, never a picture from another input', async () => {
    const garbage = Buffer.concat([keyframes[1].mp4.subarray(0, 40), Buffer.alloc(5000, 7)]);
    const jpegs = await renderKeyframeJpegs('ffmpeg', [keyframes[0].mp4, garbage, keyframes[3].mp4], { width: 160, timeoutMs: 20_000 });
    expect(jpegs).toHaveLength(3);
    expect(jpegs[1]).toBeInstanceOf(Error);
    for (const i of [0, 2]) {
      const jpeg = jpegs[i];
      if (jpeg instanceof Buffer) expect(close(meanColour(jpeg), keyframes[i === 0 ? 0 : 3].colour)).toBe(true);
      else expect((jpeg as Error).message).toMatch(/could not make the thumbnail/);
    }
  });
});
