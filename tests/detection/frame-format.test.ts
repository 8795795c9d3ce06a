/**
 * Frame layouts (main/engine/detection/frame-format.ts): the decoder's
 * yuv420p frames, converted to rgb24 where colour is needed, and read as
 * grey by the motion detector's downscaler.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { checkFrame, frameBytes, rgbOfRect, toRgb24 } from '../../main/engine/detection/frame-format.ts';
import { encodeFrameJpeg } from '../../main/engine/detection/frame-jpeg.ts';
import { GreyDownscaler } from '../../main/engine/detection/motion/grey-downscale.ts';
import { cropRegion } from '../../main/engine/detection/objects/preprocess.ts';
import type { RgbFrame } from '../../main/engine/detection/types.ts';

const W = 64;
const H = 36;

/** ffmpeg's own test picture (colour bars, gradients, text) as yuv420p and as ffmpeg's rgb24 conversion of the same pixels. */
function ffmpegPicture(): { yuv: Uint8Array; rgb: Uint8Array } {
  const yuv = execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', `testsrc2=s=${W}x${H}:r=1`, '-frames:v', '1', '-pix_fmt', 'yuv420p', '-f', 'rawvideo', 'pipe:1']);
  const rgb = execFileSync('ffmpeg', ['-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${W}x${H}`, '-i', 'pipe:0', '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1'], { input: yuv });
  return { yuv: new Uint8Array(yuv), rgb: new Uint8Array(rgb) };
}

function uniformYuv(y: number, u: number, v: number, w = 4, h = 4): RgbFrame {
  const data = new Uint8Array(frameBytes(w, h, 'yuv420p'));
  data.fill(y, 0, w * h);
  data.fill(u, w * h, w * h + (w * h) / 4);
  data.fill(v, w * h + (w * h) / 4);
  return { width: w, height: h, data, format: 'yuv420p', at: 0 };
}

describe('frame layouts', () => {
  it('knows the byte size of each layout and rejects short frames', () => {
    expect(frameBytes(640, 360, 'rgb24')).toBe(640 * 360 * 3);
    expect(frameBytes(640, 360, 'yuv420p')).toBe(640 * 360 * 1.5);
    expect(() => checkFrame({ width: 4, height: 4, data: new Uint8Array(23), format: 'yuv420p', at: 0 })).toThrow(/yuv420p needs 24/);
    expect(() => checkFrame({ width: 4, height: 4, data: new Uint8Array(47), at: 0 })).toThrow(/rgb24 needs 48/);
  });

  it('converts limited-range BT.601 black, white and red', () => {
    expect([...rgbOfRect(uniformYuv(16, 128, 128), 0, 0, 1, 1)]).toEqual([0, 0, 0]);
    expect([...rgbOfRect(uniformYuv(235, 128, 128), 0, 0, 1, 1)]).toEqual([255, 255, 255]);
    const [r, g, b] = rgbOfRect(uniformYuv(81, 90, 240), 0, 0, 1, 1);
    expect(r).toBeGreaterThan(250);
    expect(g).toBeLessThan(5);
    expect(b).toBeLessThan(5);
  });

  it('matches ffmpeg\'s own yuv420p → rgb24 conversion of a test picture', () => {
    const { yuv, rgb } = ffmpegPicture();
    const frame: RgbFrame = { width: W, height: H, data: yuv, format: 'yuv420p', at: 0 };
    const ours = toRgb24(frame).data;
    expect(ours.length).toBe(rgb.length);
    let sum = 0;
    for (let i = 0; i < ours.length; i++) sum += Math.abs(ours[i] - rgb[i]);
    // Chroma upsampling differs at colour edges (ffmpeg interpolates, we repeat); flat areas agree to a level or two.
    expect(sum / ours.length).toBeLessThan(4);
    // A crop is the same pixels as the whole conversion.
    const crop = cropRegion(frame, { x: 5, y: 3, w: 20, h: 10 });
    expect(crop).toMatchObject({ width: 20, height: 10, originX: 5, originY: 3 });
    for (let y = 0; y < 10; y++) {
      expect(Buffer.from(crop.data.subarray(y * 60, (y + 1) * 60)).equals(Buffer.from(ours.subarray(((3 + y) * W + 5) * 3, ((3 + y) * W + 25) * 3)))).toBe(true);
    }
  });

  it('leaves rgb24 frames as they are', () => {
    const frame: RgbFrame = { width: 2, height: 1, data: new Uint8Array([1, 2, 3, 4, 5, 6]), at: 0 };
    expect(toRgb24(frame)).toBe(frame);
    expect([...rgbOfRect(frame, 1, 0, 1, 1)]).toEqual([4, 5, 6]);
    expect(() => rgbOfRect(frame, 1, 0, 2, 1)).toThrow(/outside/);
  });

  it('reads the grey picture of a yuv420p frame from its Y plane, close to the luma of the rgb24 conversion', () => {
    const { yuv, rgb } = ffmpegPicture();
    const fromY = new GreyDownscaler(W, H, 12, 'yuv420p');
    const fromRgb = new GreyDownscaler(W, H, 12, 'rgb24');
    const a = new Uint8Array(fromY.width * fromY.height);
    const b = new Uint8Array(a.length);
    fromY.run(yuv, a);
    fromRgb.run(rgb, b);
    // Y is limited range (16–235): full-range luma = (Y − 16) × 255/219.
    let sum = 0;
    for (let i = 0; i < a.length; i++) sum += Math.abs((a[i] - 16) * (255 / 219) - b[i]);
    expect(sum / a.length).toBeLessThan(4);
    expect(() => fromY.run(yuv.subarray(0, 100), a)).toThrow(/expected/);
  });

  it('hands a yuv420p frame to ffmpeg as it is for a JPEG that shows the picture', async () => {
    const { yuv, rgb } = ffmpegPicture();
    const jpeg = await encodeFrameJpeg('ffmpeg', { width: W, height: H, data: yuv, format: 'yuv420p', at: 0 });
    expect([jpeg[0], jpeg[1]]).toEqual([0xff, 0xd8]);
    const back = execFileSync('ffmpeg', ['-v', 'error', '-f', 'jpeg_pipe', '-i', 'pipe:0', '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1'], { input: jpeg });
    expect(back.length).toBe(rgb.length);
    let sum = 0;
    for (let i = 0; i < back.length; i++) sum += Math.abs(back[i] - rgb[i]);
    expect(sum / back.length).toBeLessThan(12); // JPEG loss on a tiny, busy picture; a wrong layout is far off
    await expect(encodeFrameJpeg('ffmpeg', { width: W, height: H, data: yuv.subarray(0, 100), format: 'yuv420p', at: 0 })).rejects.toThrow(/expected/);
  });
});
