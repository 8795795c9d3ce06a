/**
 * Synchronised playback of several cameras on one UTC playhead
 * (docs/playback.md).
 *
 * - While playing, one camera that has footage at the playhead and is ready is
 *   the leader: its <video> clock *is* the playhead, so it plays untouched
 *   (no seeks, no stalls from corrections). The others follow the playhead:
 *   a small drift is absorbed by nudging their playbackRate, a large one by a
 *   seek. A camera without footage at the playhead is paused and says so.
 * - When no camera has footage at the playhead (a gap for all of them) the
 *   playhead jumps to the next footage of any of them; at the end of all
 *   footage playback pauses.
 * - Holes of a few milliseconds between segments are stepped over.
 * - A camera whose video fails to decode (a damaged frame) gets a new feed
 *   that skips the GOP it failed in (camera-feed.ts); after MAX_SKIPS of them
 *   in one session it stops with the browser's message.
 * - Speed 0.5× to 16×, frame steps, jumps to any time.
 */
import { CameraFeed, DEFAULT_FEED_OPTIONS, type FeedState, type SkippedGop } from './camera-feed.ts';
import type { FootageSource } from './footage-source.ts';

export const SPEEDS = [0.5, 1, 2, 4, 8, 16] as const;

export interface CameraView {
  cameraId: number;
  state: FeedState;
  error: string | null;
  leader: boolean;
  /** Damaged GOPs skipped for this camera in this session. */
  skipped: number;
}

export interface PlaybackSnapshot {
  playhead: number;
  playing: boolean;
  rate: number;
  /** Playing but waiting for media (the playhead holds still meanwhile). */
  waiting: boolean;
  /** No footage after the playhead: playback stopped at the end. */
  atEnd: boolean;
  cameras: CameraView[];
}

export interface FindNextFootage {
  (cameraIds: number[], after: number): Promise<number | null>;
}

const TICK_MS = 50;
/** Default frame step when the recordings do not say (25 fps). */
const DEFAULT_FRAME_MS = 40;
/** Sessions use media times relative to an origin this far before the first seek. */
const ORIGIN_MARGIN_MS = 30 * 24 * 3600 * 1000;
/** ... and need a new origin when a seek goes outside [origin, origin + SPAN). */
const SESSION_SPAN_MS = 85 * 24 * 3600 * 1000;
/** Damaged GOPs skipped per camera and session before its playback stops with the error (a recording that is damaged throughout). */
const MAX_SKIPS = 20;

export class PlaybackController {
  private feeds = new Map<number, CameraFeed>();
  private videos = new Map<number, HTMLVideoElement>();
  private origin: number;
  private playhead: number;
  private playing = false;
  private rate = 1;
  private waiting = false;
  private atEnd = false;
  private leader: CameraFeed | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private listeners = new Set<(s: PlaybackSnapshot) => void>();
  private lookingForNext = false;
  private leaderClock = { t: -1, since: 0 };
  /** Media time each follower was last told to show while paused (avoids re-seeking every tick). */
  private parked = new Map<number, number>();
  /** Per camera, the GOPs its feeds skip: where a feed failed to decode (kept for the session, across new feeds). */
  private skips = new Map<number, SkippedGop[]>();

  constructor(
    private readonly source: FootageSource,
    private readonly findNextFootage: FindNextFootage,
    start: number,
  ) {
    this.playhead = start;
    this.origin = start - ORIGIN_MARGIN_MS;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const f of this.feeds.values()) f.dispose();
    this.feeds.clear();
    this.listeners.clear();
  }

  subscribe(fn: (s: PlaybackSnapshot) => void): () => void {
    this.listeners.add(fn);
    fn(this.snapshot());
    return () => this.listeners.delete(fn);
  }

  snapshot(): PlaybackSnapshot {
    return {
      playhead: this.playhead,
      playing: this.playing,
      rate: this.rate,
      waiting: this.waiting,
      atEnd: this.atEnd,
      cameras: [...this.feeds.values()].map((f) => ({ cameraId: f.cameraId, state: f.state, error: f.error, leader: f === this.leader, skipped: this.skips.get(f.cameraId)?.length ?? 0 })),
    };
  }

  /** Binds a camera's <video> (or unbinds it with null). */
  attach(cameraId: number, video: HTMLVideoElement | null): void {
    const old = this.feeds.get(cameraId);
    if (video && old?.video === video) return;
    if (old) {
      old.dispose();
      this.feeds.delete(cameraId);
      if (this.leader === old) this.leader = null;
    }
    if (video) {
      this.videos.set(cameraId, video);
      this.feeds.set(cameraId, this.newFeed(cameraId, video));
    } else {
      this.videos.delete(cameraId);
      this.skips.delete(cameraId); // what is keyed by a camera goes with it
    }
    this.emit();
  }

  get time(): number {
    return this.playhead;
  }

  get frameMs(): number {
    for (const f of this.feeds.values()) if (f.frameMs) return f.frameMs;
    return DEFAULT_FRAME_MS;
  }

  play(): void {
    if (this.playing) return;
    this.playing = true;
    this.atEnd = false;
    this.parked.clear();
    this.tick();
  }

  pause(): void {
    if (!this.playing) return;
    // Freeze exactly where the leader shows, so pausing does not jump.
    if (this.leader && this.leader.isBuffered(this.leader.currentUtc, 0)) this.playhead = this.leader.currentUtc;
    this.playing = false;
    this.leader = null;
    for (const f of this.feeds.values()) f.video.pause();
    this.tick();
  }

  toggle(): void {
    if (this.playing) this.pause();
    else this.play();
  }

  setRate(rate: number): void {
    this.rate = Math.min(16, Math.max(0.5, rate));
    this.tick();
  }

  /** Jumps to a UTC time (keeps playing if playing). */
  seek(utc: number): void {
    this.atEnd = false;
    this.leader = null;
    this.parked.clear();
    this.playhead = utc;
    if (utc < this.origin + 60_000 || utc > this.origin + SESSION_SPAN_MS - 60_000) {
      // Outside this session's media timeline: start a new one around the target.
      this.origin = utc - ORIGIN_MARGIN_MS;
      for (const [id, f] of this.feeds) {
        f.dispose();
        this.feeds.set(id, this.newFeed(id, f.video));
      }
    } else {
      for (const f of this.feeds.values()) {
        if (!f.isBuffered(utc) && f.hasFootageAt(utc) !== false) void f.reset();
      }
    }
    this.tick();
  }

  /** One frame forward (+1) or back (-1); pauses. */
  step(direction: 1 | -1): void {
    if (this.playing) this.pause();
    this.parked.clear();
    this.playhead += direction * this.frameMs;
    this.tick();
  }

  private newFeed(cameraId: number, video: HTMLVideoElement): CameraFeed {
    video.muted = true;
    video.playsInline = true;
    const feed = new CameraFeed(cameraId, video, this.source, this.origin, () => this.emit(), DEFAULT_FEED_OPTIONS, this.skips.get(cameraId) ?? [], (f, skip, message) =>
      this.recover(f, skip, message),
    );
    feed.request(this.playhead, this.rate);
    return feed;
  }

  /** A feed's video failed to decode: a new feed on the same <video> skips the GOP it failed in. */
  private recover(feed: CameraFeed, skip: SkippedGop | null, message: string): void {
    const id = feed.cameraId;
    if (this.feeds.get(id) !== feed) return;
    const skips = this.skips.get(id) ?? [];
    if (!skip || skips.length >= MAX_SKIPS || skips.some((k) => k.segmentId === skip.segmentId && k.fromMs === skip.fromMs)) {
      feed.fail(`This recording cannot be played here: ${message}`);
      return;
    }
    this.skips.set(id, [...skips, skip]);
    if (this.leader === feed) this.leader = null;
    this.parked.delete(id);
    feed.dispose();
    this.feeds.set(id, this.newFeed(id, feed.video));
    this.emit();
  }

  private emit(): void {
    const s = this.snapshot();
    for (const fn of this.listeners) fn(s);
  }

  private tick(): void {
    const feeds = [...this.feeds.values()];
    if (!feeds.length) return this.emit();

    if (this.playing) this.advance(feeds);
    for (const f of feeds) this.follow(f);
    this.emit();
  }

  /** Moves the playhead while playing: from the leader, or across a gap. */
  private advance(feeds: CameraFeed[]): void {
    const ph = this.playhead;
    const covering = feeds.filter((f) => f.hasFootageAt(ph) === true);
    const unknown = feeds.some((f) => f.hasFootageAt(ph) === null);

    if (this.leader && (!this.feeds.has(this.leader.cameraId) || this.leader.hasFootageAt(this.leader.currentUtc) !== true)) this.leader = null;
    if (!this.leader) this.leader = covering.find((f) => f.isBuffered(ph) && f.video.readyState >= 2) ?? null;

    if (this.leader) {
      this.waiting = false;
      const exit = this.leader.holeExit();
      if (exit !== null) this.leader.video.currentTime = exit;
      const t = this.leader.currentUtc;
      const seg = this.leader.segmentAt(t);
      const spanEnd = seg ? this.leader.spanEndFrom(seg) : null;
      const stuck = this.leaderStuckFor(t);
      // At the end of its footage the leader stops a few frames early (the decoder
      // waits for media that will never come): hand over to another camera, or
      // on to the next footage.
      if (spanEnd !== null && spanEnd - t < 400 && (stuck > 300 || !this.leader.isBuffered(t, 0.02))) {
        this.playhead = Math.max(ph, spanEnd);
        this.leader = null;
        return;
      }
      // The leader's clock only moves forward; a stale frame after a seek must not pull the playhead back.
      if (t >= ph - 1 || Math.abs(t - ph) < 250) this.playhead = Math.max(ph, t);
      return;
    }
    if (covering.length || unknown) {
      this.waiting = true; // footage is here but not loaded yet: hold still
      return;
    }
    // A gap for every camera: jump to the next footage of any of them.
    this.waiting = false;
    const known = feeds.map((f) => f.nextFootageAfter(ph)).filter((t): t is number => t !== null);
    const allKnow = feeds.every((f) => f.knowsUntil(ph + 60_000));
    if (known.length && (allKnow || Math.min(...known) - ph < 60_000)) {
      this.seek(Math.min(...known));
      return;
    }
    if (this.lookingForNext) return;
    this.lookingForNext = true;
    void this.findNextFootage([...this.feeds.keys()], ph)
      .then((next) => {
        if (this.playhead !== ph || !this.playing) return;
        if (next === null) {
          this.atEnd = true;
          this.pause();
        } else this.seek(next);
      })
      .catch(() => undefined)
      .finally(() => (this.lookingForNext = false));
  }

  /** How long (ms) the leader's clock has stood at `t`. */
  private leaderStuckFor(t: number): number {
    const now = performance.now();
    if (t !== this.leaderClock.t) this.leaderClock = { t, since: now };
    return now - this.leaderClock.since;
  }

  /** Puts one camera's video where the playhead says. */
  private follow(f: CameraFeed): void {
    const ph = this.playhead;
    f.request(ph, this.playing ? this.rate : 1);
    const v = f.video;
    const target = f.toMedia(ph);
    const footage = f.hasFootageAt(ph);
    if (footage !== true || !f.isBuffered(ph, 0)) {
      if (!v.paused) v.pause();
      // Park the video on the target so it shows the right frame as soon as media arrives.
      if (footage === true && this.parked.get(f.cameraId) !== target) {
        if (Math.abs(v.currentTime - target) > 0.001) v.currentTime = target;
        this.parked.set(f.cameraId, target);
      }
      return;
    }
    if (!this.playing) {
      if (!v.paused) v.pause();
      if (this.parked.get(f.cameraId) !== target || Math.abs(v.currentTime - target) > 0.002) {
        v.currentTime = target;
        this.parked.set(f.cameraId, target);
      }
      return;
    }
    this.parked.delete(f.cameraId);
    if (f === this.leader) {
      if (v.playbackRate !== this.rate) v.playbackRate = this.rate;
    } else {
      const drift = target - v.currentTime; // seconds the follower is behind
      if (Math.abs(drift) > Math.max(0.5, 0.25 * this.rate)) {
        v.currentTime = target;
        v.playbackRate = this.rate;
      } else {
        const nudge = Math.max(-0.1, Math.min(0.1, drift * 0.5));
        v.playbackRate = Math.max(0.25, Math.min(16, this.rate * (1 + nudge)));
      }
      const exit = f.holeExit();
      if (exit !== null) v.currentTime = exit;
    }
    if (v.paused) void v.play().catch(() => undefined);
  }
}
