import { frameBytes } from '../frame-format.ts';
import type { FrameFormat } from '../types.ts';

/**
 * Frame → small grey picture by area averaging (source pixels are
 * averaged per output pixel, so sensor noise averages out instead of aliasing
 * as with nearest neighbour). When the source is 3× or more the output, only
 * every `step`-th row and column is read — still several samples per output
 * pixel, at a fraction of the cost. The index maps are computed once per
 * size; a frame costs one pass and no allocation.
 *
 * Input: rgb24 (BT.601 luma computed here) or yuv420p, whose Y plane is the
 * grey picture already (the decoder's frames: one byte read per sample).
 */
export class GreyDownscaler {
  readonly width: number;
  readonly height: number;
  private readonly colOf: Uint16Array;
  private readonly rowOf: Uint16Array;
  private readonly sums: Uint32Array;
  private readonly inverseCount: Float32Array;
  /** Read every step-th source row and column. */
  readonly step: number;

  constructor(
    readonly srcWidth: number,
    readonly srcHeight: number,
    targetHeight: number,
    readonly format: FrameFormat = 'rgb24',
  ) {
    if (!(srcWidth > 0 && srcHeight > 0)) throw new Error(`bad frame size ${srcWidth}x${srcHeight}`);
    this.height = Math.max(1, Math.min(srcHeight, Math.round(targetHeight)));
    this.width = Math.max(1, Math.min(srcWidth, Math.round((this.height * srcWidth) / srcHeight)));
    this.step = Math.max(1, Math.floor(Math.min(srcWidth / this.width, srcHeight / this.height) / 1.5));
    this.colOf = new Uint16Array(srcWidth);
    this.rowOf = new Uint16Array(srcHeight);
    for (let x = 0; x < srcWidth; x++) this.colOf[x] = Math.min(this.width - 1, Math.floor((x * this.width) / srcWidth));
    for (let y = 0; y < srcHeight; y++) this.rowOf[y] = Math.min(this.height - 1, Math.floor((y * this.height) / srcHeight));
    const colCount = new Uint32Array(this.width);
    const rowCount = new Uint32Array(this.height);
    for (let x = 0; x < srcWidth; x += this.step) colCount[this.colOf[x]]++;
    for (let y = 0; y < srcHeight; y += this.step) rowCount[this.rowOf[y]]++;
    this.sums = new Uint32Array(this.width * this.height);
    this.inverseCount = new Float32Array(this.width * this.height);
    for (let y = 0; y < this.height; y++) {
      for (let x = 0; x < this.width; x++) this.inverseCount[y * this.width + x] = 1 / Math.max(1, colCount[x] * rowCount[y]);
    }
  }

  /** Writes the grey picture (width × height bytes) of a frame in `format` into `out`. */
  run(data: Uint8Array, out: Uint8Array): void {
    const { srcWidth, srcHeight, colOf, rowOf, sums, width, step } = this;
    const need = frameBytes(srcWidth, srcHeight, this.format);
    if (data.length < need) throw new Error(`frame has ${data.length} bytes, expected ${need}`);
    sums.fill(0);
    if (this.format === 'rgb24') {
      const stride = 3 * step;
      for (let y = 0; y < srcHeight; y += step) {
        const rowBase = rowOf[y] * width;
        let p = y * srcWidth * 3;
        for (let x = 0; x < srcWidth; x += step, p += stride) {
          // ITU-R BT.601 luma in 8-bit fixed point.
          sums[rowBase + colOf[x]] += (data[p] * 77 + data[p + 1] * 150 + data[p + 2] * 29) >> 8;
        }
      }
    } else {
      // yuv420p: the Y plane comes first.
      for (let y = 0; y < srcHeight; y += step) {
        const rowBase = rowOf[y] * width;
        let p = y * srcWidth;
        for (let x = 0; x < srcWidth; x += step, p += step) sums[rowBase + colOf[x]] += data[p];
      }
    }
    const inv = this.inverseCount;
    for (let i = 0; i < sums.length; i++) out[i] = (sums[i] * inv[i] + 0.5) | 0;
  }
}
