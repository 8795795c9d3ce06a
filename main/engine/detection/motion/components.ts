/**
 * Connected blobs (8-connected) of a 0/1 picture, with what the detector
 * needs to judge each one: its area, bounding box, how many of its pixels
 * changed since the previous frame, and the most sensitive zone it touches.
 * Buffers are allocated once per picture size.
 */
export interface Blob {
  area: number;
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
  /** Pixels of the blob that differ from the previous frame (the blob is moving, not a stopped car or a ghost). */
  changing: number;
  /** Highest sensitivity level (1–10) of the pixels it covers. */
  sensitivity: number;
}

export class BlobFinder {
  private readonly seen: Uint32Array;
  private readonly stack: Int32Array;
  private stamp = 0;

  constructor(
    private readonly width: number,
    private readonly height: number,
  ) {
    this.seen = new Uint32Array(width * height);
    this.stack = new Int32Array(width * height);
  }

  /**
   * Blobs of `mask` (non-zero pixels). `changing[i]` non-zero marks a changed
   * pixel; `sensitivity[i]` is the pixel's level (0 = masked).
   */
  find(mask: Uint8Array, changing: Uint8Array, sensitivity: Uint8Array): Blob[] {
    const { width, height, seen, stack } = this;
    if (++this.stamp === 0xffffffff) {
      seen.fill(0);
      this.stamp = 1;
    }
    const stamp = this.stamp;
    const blobs: Blob[] = [];
    const n = width * height;
    for (let start = 0; start < n; start++) {
      if (mask[start] === 0 || seen[start] === stamp) continue;
      const blob: Blob = { area: 0, minX: width, minY: height, maxX: -1, maxY: -1, changing: 0, sensitivity: 0 };
      let top = 0;
      stack[top++] = start;
      seen[start] = stamp;
      while (top > 0) {
        const i = stack[--top];
        const x = i % width;
        const y = (i - x) / width;
        blob.area++;
        if (x < blob.minX) blob.minX = x;
        if (x > blob.maxX) blob.maxX = x;
        if (y < blob.minY) blob.minY = y;
        if (y > blob.maxY) blob.maxY = y;
        if (changing[i] !== 0) blob.changing++;
        if (sensitivity[i] > blob.sensitivity) blob.sensitivity = sensitivity[i];
        const x0 = x > 0 ? -1 : 0;
        const x1 = x < width - 1 ? 1 : 0;
        for (let dy = y > 0 ? -1 : 0; dy <= (y < height - 1 ? 1 : 0); dy++) {
          for (let dx = x0; dx <= x1; dx++) {
            const j = i + dy * width + dx;
            if (mask[j] !== 0 && seen[j] !== stamp) {
              seen[j] = stamp;
              stack[top++] = j;
            }
          }
        }
      }
      blobs.push(blob);
    }
    return blobs;
  }
}
