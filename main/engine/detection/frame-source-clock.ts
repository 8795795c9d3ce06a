/**
 * When each decoded frame was captured, in UTC ms.
 *
 * The decoder's raw output carries no timestamps; decoder-feed.ts knows each
 * output frame's time on the stream's media clock (from the fragments' decode
 * times, tfdt). Each fragment's arrival tells how media time maps to the
 * wall clock: a fragment is published as soon as its last frame was
 * captured, so (arrival − media end) is the offset plus the pipeline
 * latency. The smallest
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

  constructor(private readonly window = 32) {}

  /** A new run has a new media clock. */
  restart(): void {
    this.offsets = [];
  }

  /** A fragment arrived: its arrival time and the end of its media span (ms on the stream's clock). */
  fragment(arrival: number, mediaEndMs: number): void {
    this.offsets.push(arrival - mediaEndMs);
    if (this.offsets.length > this.window) this.offsets.shift();
  }

  /** Capture time of a frame at `mediaMs` on the stream's clock (null: unknown), never after `now`. */
  frameTime(mediaMs: number | null, now: number): number {
    if (mediaMs === null || this.offsets.length === 0) return now;
    let offset = Infinity;
    for (const o of this.offsets) if (o < offset) offset = o;
    return Math.min(now, Math.round(mediaMs + offset));
  }
}
