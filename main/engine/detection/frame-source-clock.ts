/**
 * When each decoded frame was captured, in UTC ms.
 *
 * The decoder's raw output carries no timestamps, but its frames are evenly
 * spaced: the fps filter makes frame k exactly k/fps after the first one,
 * which is the first frame of the first fragment fed to this decoder. The
 * fragments' decode times (tfdt) place them on the stream's media clock, and
 * each fragment's arrival tells how media time maps to the wall clock: a
 * fragment is published as soon as its last frame was captured, so
 * (arrival − media end) is the offset plus the pipeline latency. The smallest
 * recent value is the best estimate (fragments replayed from the hub's cache
 * when we join, or delayed by a busy event loop, arrive late and are ignored
 * by the minimum), and a sliding window follows camera clock drift.
 *
 * Result: frames keep their real spacing even when several arrive at once
 * (the cached GOP on joining, 250 ms fragments, a hiccup), and are never
 * stamped later than the moment they reach us. Without media times (an
 * unparsable fragment) a frame is stamped with its arrival time.
 */
export class FrameClock {
  private offsets: number[] = [];
  private startMs: number | null = null;

  constructor(
    private readonly fps: number,
    private readonly window = 32,
  ) {}

  /** A new decoder starts: its first frame will be the next fragment's first (and a new run has a new media clock). */
  restart(): void {
    this.startMs = null;
    this.offsets = [];
  }

  /** A fragment written to the decoder: its arrival time and media span (ms on the stream's clock). */
  fragment(arrival: number, mediaStartMs: number, mediaEndMs: number): void {
    if (this.startMs === null) {
      // The fps filter puts its first frame on the nearest multiple of 1/fps.
      const period = 1000 / this.fps;
      this.startMs = Math.round(mediaStartMs / period) * period;
    }
    this.offsets.push(arrival - mediaEndMs);
    if (this.offsets.length > this.window) this.offsets.shift();
  }

  /** Capture time of the decoder's frame number `index` (0-based), never after `now`. */
  frameTime(index: number, now: number): number {
    if (this.startMs === null || this.offsets.length === 0) return now;
    let offset = Infinity;
    for (const o of this.offsets) if (o < offset) offset = o;
    return Math.min(now, Math.round(this.startMs + (index * 1000) / this.fps + offset));
  }
}
