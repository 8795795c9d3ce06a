/**
 * The pixel layouts a detection frame can have, and what converts between
 * them. Pure.
 *
 * The decoder hands out yuv420p (frame-source-args.ts): no colour conversion
 * in ffmpeg, half the bytes of rgb24 through the pipe, and the motion
 * detector reads its grey picture straight from the Y plane. Only what needs
 * colour converts, and only the pixels it needs: the object detector's
 * regions (objects/preprocess.ts); review thumbnails go to ffmpeg as they are
 * (frame-jpeg.ts). Frames from pictures (tests, benches) are rgb24.
 */
import type { FrameFormat, RgbFrame } from './types.ts';

export type { FrameFormat };

/** The frame's layout (frames without `format` are rgb24). */
export function formatOf(frame: Pick<RgbFrame, 'format'>): FrameFormat {
  return frame.format ?? 'rgb24';
}

/** Bytes of one width × height frame (yuv420p: even sizes; odd ones round the chroma planes up, as ffmpeg does). */
export function frameBytes(width: number, height: number, format: FrameFormat): number {
  if (format === 'rgb24') return width * height * 3;
  return width * height + 2 * Math.ceil(width / 2) * Math.ceil(height / 2);
}

/** Throws a clear error when `frame.data` is too short for its size and format. */
export function checkFrame(frame: RgbFrame): void {
  const format = formatOf(frame);
  const need = frameBytes(frame.width, frame.height, format);
  if (frame.data.length < need) throw new Error(`frame data is ${frame.data.length} bytes, ${frame.width}×${frame.height} ${format} needs ${need}`);
}

/**
 * The rectangle (whole pixels, inside the frame) of a frame as rgb24, row
 * by row. yuv420p is converted with ITU-R BT.601 limited range, as ffmpeg's
 * swscale does for untagged camera video, in integer arithmetic.
 */
export function rgbOfRect(frame: RgbFrame, x0: number, y0: number, w: number, h: number): Uint8Array {
  checkFrame(frame);
  const { width, height, data } = frame;
  if (x0 < 0 || y0 < 0 || w < 1 || h < 1 || x0 + w > width || y0 + h > height) throw new Error(`rectangle ${x0},${y0} ${w}×${h} is outside the ${width}×${height} frame`);
  const out = new Uint8Array(w * h * 3);
  if (formatOf(frame) === 'rgb24') {
    for (let y = 0; y < h; y++) out.set(data.subarray(((y0 + y) * width + x0) * 3, ((y0 + y) * width + x0 + w) * 3), y * w * 3);
    return out;
  }
  const cw = Math.ceil(width / 2);
  const uBase = width * height;
  const vBase = uBase + cw * Math.ceil(height / 2);
  let o = 0;
  for (let y = y0; y < y0 + h; y++) {
    const yRow = y * width;
    const cRow = (y >> 1) * cw;
    for (let x = x0; x < x0 + w; x++) {
      // 16.16 fixed point: R = 1.164(Y−16) + 1.596(V−128), G = … − 0.392(U−128) − 0.813(V−128), B = … + 2.017(U−128).
      const l = (data[yRow + x] - 16) * 76309;
      const u = data[uBase + cRow + (x >> 1)] - 128;
      const v = data[vBase + cRow + (x >> 1)] - 128;
      const r = (l + 104597 * v + 32768) >> 16;
      const g = (l - 25675 * u - 53279 * v + 32768) >> 16;
      const b = (l + 132201 * u + 32768) >> 16;
      out[o++] = r < 0 ? 0 : r > 255 ? 255 : r;
      out[o++] = g < 0 ? 0 : g > 255 ? 255 : g;
      out[o++] = b < 0 ? 0 : b > 255 ? 255 : b;
    }
  }
  return out;
}

/** A whole frame as rgb24 (the frame itself when it already is). */
export function toRgb24(frame: RgbFrame): RgbFrame {
  if (formatOf(frame) === 'rgb24') return frame;
  return { width: frame.width, height: frame.height, at: frame.at, data: rgbOfRect(frame, 0, 0, frame.width, frame.height), format: 'rgb24' };
}
