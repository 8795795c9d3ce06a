/**
 * Small in-place-free image operations on width × height byte pictures,
 * writing into caller-owned buffers (no allocation per frame). Edges repeat
 * the border pixel.
 */

/** 3×3 binomial blur ([1 2 1] ⊗ [1 2 1] / 16), close to Frigate's Gaussian σ=1 radius 1. Branch-free inner loops. */
export function blur3(src: Uint8Array, out: Uint8Array, tmp: Uint16Array, width: number, height: number): void {
  if (width < 2 || height < 2) {
    out.set(src);
    return;
  }
  for (let y = 0; y < height; y++) {
    const r = y * width;
    const last = r + width - 1;
    tmp[r] = 3 * src[r] + src[r + 1];
    for (let i = r + 1; i < last; i++) tmp[i] = src[i - 1] + 2 * src[i] + src[i + 1];
    tmp[last] = src[last - 1] + 3 * src[last];
  }
  const n = width * height;
  const lastRow = n - width;
  for (let i = 0; i < width; i++) out[i] = (3 * tmp[i] + tmp[i + width] + 8) >> 4;
  for (let i = width; i < lastRow; i++) out[i] = (tmp[i - width] + 2 * tmp[i] + tmp[i + width] + 8) >> 4;
  for (let i = lastRow; i < n; i++) out[i] = (tmp[i - width] + 3 * tmp[i] + 8) >> 4;
}

/** 3×3 dilation of a 0/1 picture (fills holes and joins the pieces of one moving thing). */
export function dilate3(src: Uint8Array, out: Uint8Array, tmp: Uint8Array, width: number, height: number): void {
  for (let y = 0; y < height; y++) {
    const r = y * width;
    for (let x = 0; x < width; x++) {
      tmp[r + x] = src[r + x] | (x > 0 ? src[r + x - 1] : 0) | (x < width - 1 ? src[r + x + 1] : 0);
    }
  }
  for (let y = 0; y < height; y++) {
    const mid = y * width;
    const up = y > 0 ? mid - width : -1;
    const down = y < height - 1 ? mid + width : -1;
    for (let x = 0; x < width; x++) {
      out[mid + x] = tmp[mid + x] | (up >= 0 ? tmp[up + x] : 0) | (down >= 0 ? tmp[down + x] : 0);
    }
  }
}
