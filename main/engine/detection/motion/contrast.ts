/**
 * Contrast normalisation: the picture is stretched so that its low
 * percentile becomes 0 and its high percentile 255. The percentiles are
 * averaged over the last frames (Frigate: 4th/96th over 50 frames) so a
 * person in a bright coat does not re-stretch the whole picture; after a
 * reset the history is refilled from the current frame at once, so a light
 * switched on does not leave the stretch sliding for seconds (Frigate's
 * ~25 s of false motion after an IR switch).
 */

/** Narrower spans are widened to this around their middle: a near-uniform night picture is not stretched into pure noise. */
const MIN_SPAN = 24;

export class ContrastStretch {
  private readonly lows: Uint8Array;
  private readonly highs: Uint8Array;
  private next = 0;
  private filled = 0;
  private readonly histogram = new Uint32Array(256);
  /** grey value → stretched value, rebuilt per frame. */
  readonly lut = new Uint8Array(256);

  constructor(
    private readonly history: number,
    private readonly lowPercentile: number,
    private readonly highPercentile: number,
  ) {
    this.lows = new Uint8Array(Math.max(1, history));
    this.highs = new Uint8Array(Math.max(1, history));
    for (let v = 0; v < 256; v++) this.lut[v] = v;
  }

  /** Forget the history: the next observation fills it. */
  clear(): void {
    this.filled = 0;
    this.next = 0;
  }

  /**
   * Measures this frame's percentiles over the pixels where `masked` is 0 and
   * rebuilds the lookup table. `refill`: the history becomes this frame only.
   * `foreground` (optional): pixels to leave out as well, so that a big dark
   * object walking in does not re-stretch the whole background; when it
   * leaves out most of the picture the frame is not measured at all.
   */
  observe(grey: Uint8Array, masked: Uint8Array, refill: boolean, foreground: Uint8Array | null = null): void {
    const h = this.histogram;
    h.fill(0);
    let count = 0;
    let usable = 0;
    // Every other pixel is plenty for two percentiles.
    if (foreground === null) {
      for (let i = 0; i < grey.length; i += 2) {
        if (masked[i] !== 0) continue;
        h[grey[i]]++;
        count++;
      }
      usable = count;
    } else {
      for (let i = 0; i < grey.length; i += 2) {
        if (masked[i] !== 0) continue;
        usable++;
        if (foreground[i] !== 0) continue;
        h[grey[i]]++;
        count++;
      }
    }
    if (count === 0 || (!refill && this.filled > 0 && count < usable / 4)) return;
    const low = percentile(h, count, this.lowPercentile);
    const high = percentile(h, count, this.highPercentile);
    if (refill) this.clear();
    // A single-colour picture (lens cap, black frame) says nothing about contrast.
    if (low < high || this.filled === 0) {
      this.lows[this.next] = low;
      this.highs[this.next] = high;
      this.next = (this.next + 1) % this.lows.length;
      this.filled = Math.min(this.lows.length, this.filled + 1);
    }
    this.rebuild();
  }

  private rebuild(): void {
    let lowSum = 0;
    let highSum = 0;
    for (let i = 0; i < this.filled; i++) {
      lowSum += this.lows[i];
      highSum += this.highs[i];
    }
    let low = lowSum / this.filled;
    let high = highSum / this.filled;
    if (high - low < MIN_SPAN) {
      const mid = (low + high) / 2;
      low = Math.max(0, Math.min(255 - MIN_SPAN, mid - MIN_SPAN / 2));
      high = low + MIN_SPAN;
    }
    const scale = 255 / (high - low);
    for (let v = 0; v < 256; v++) {
      const s = (v - low) * scale;
      this.lut[v] = s <= 0 ? 0 : s >= 255 ? 255 : (s + 0.5) | 0;
    }
  }
}

function percentile(histogram: Uint32Array, count: number, p: number): number {
  const target = p * count;
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    seen += histogram[v];
    if (seen > target) return v;
  }
  return 255;
}
