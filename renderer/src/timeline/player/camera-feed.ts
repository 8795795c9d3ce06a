/**
 * One camera's recorded footage in one <video>, through Media Source
 * Extensions (docs/playback.md).
 *
 * Media time t of the video is UTC `origin + t * 1000` for every camera (one
 * origin per playback session), so cameras are in sync when their videos show
 * the same currentTime. Each recorded segment is a standalone fragmented MP4
 * starting at media time 0; it is appended with
 * `timestampOffset = (segment.start - origin) / 1000`, which lays the
 * segments of a run end to end. A seek fetches only the init segment and the
 * bytes from the keyframe at or before the target (the segment's keyframe
 * index says where), so the first frame shows after a few hundred kilobytes.
 *
 * The feed keeps a window of media around the playhead (behind 30 s, ahead
 * 20 s or more at high speed) and removes the rest, so memory stays bounded
 * over hours of playback.
 *
 * A recording the browser cannot decode at some frame (a camera that dropped
 * mid-frame can leave a frame without a picture, which Chromium refuses; a
 * damaged file) fails the whole media element. The feed then reports the GOP
 * it failed in (`onFailed`) and the controller starts a new feed on the same
 * <video> that skips that GOP (`skips`): playback goes on from the next
 * keyframe instead of stopping for good.
 */
import type { RecordingIndex } from '../../../../preload/api.ts';
import type { FootageSource, SegmentRef } from './footage-source.ts';
import { firstGap, type Span } from './feed-spans.ts';

export type FeedState =
  /** Nothing asked of it yet. */
  | 'idle'
  /** Fetching or appending what the playhead needs. */
  | 'loading'
  /** Media at the playhead is buffered. */
  | 'ready'
  /** This camera recorded nothing at the playhead. */
  | 'no-footage'
  /** The browser cannot decode this camera's recordings (H.265 in Chromium). */
  | 'unsupported'
  /** The recording is damaged at the playhead (a GOP skipped after a decode failure). */
  | 'damaged'
  | 'error';

export interface FeedOptions {
  /** Media behind the playhead kept buffered. */
  keepBehindMs: number;
  /** Media ahead of the playhead fetched at 1×; multiplied by the speed. */
  aheadMs: number;
  /** How far around the playhead the segment list is fetched. */
  listWindowMs: number;
}

export const DEFAULT_FEED_OPTIONS: FeedOptions = { keepBehindMs: 30_000, aheadMs: 20_000, listWindowMs: 15 * 60_000 };

/**
 * A stretch of one segment the feed does not play: from the keyframe at or
 * before a frame the browser failed to decode to the next keyframe (or the
 * segment's end). `fromMs`/`toMs` are media times within the segment; `from`
 * and `to` the same in UTC ms.
 */
export interface SkippedGop {
  segmentId: number;
  fromMs: number;
  toMs: number;
  from: number;
  to: number;
}

/** Two segments closer than this are contiguous for the player (the index rounds to ms). */
const CONTIGUOUS_MS = 1000;
/** Media appended per request: small enough that a seek shows its frame fast, large enough to keep requests few. */
const CHUNK_MS = 4000;

export class CameraFeed {
  state: FeedState = 'idle';
  error: string | null = null;
  /** Average frame duration of the latest segment seen (frame stepping). */
  frameMs: number | null = null;

  private mediaSource: MediaSource;
  private sourceBuffer: SourceBuffer | null = null;
  private mime: string | null = null;
  private opened: Promise<void>;
  private segments: SegmentRef[] = [];
  private knownFrom = Infinity;
  private knownTo = -Infinity;
  private listing: Promise<void> | null = null;
  /** Segment id → the media ranges [from, to) (ms within the segment, keyframe-aligned) appended so far. */
  private appended = new Map<number, Span[]>();
  /** Init segments by segment id (a few hundred bytes each; re-sent with every chunk). */
  private inits = new Map<number, ArrayBuffer>();
  private want: { utc: number; aheadMs: number } | null = null;
  private pumping = false;
  private generation = 0;
  private abort = new AbortController();
  private objectUrl: string;
  private disposed = false;
  private failing = false;
  /** The chunk whose append ended the MediaSource: the parser rejected it, and the element fails without a frame time. */
  private rejected: SkippedGop | null = null;
  private readonly onMediaError = () => void this.failed();

  constructor(
    readonly cameraId: number,
    readonly video: HTMLVideoElement,
    private readonly source: FootageSource,
    readonly origin: number,
    private readonly onChange: () => void = () => undefined,
    private readonly options: FeedOptions = DEFAULT_FEED_OPTIONS,
    /** GOPs not to play: where an earlier feed of this camera failed to decode. */
    private readonly skips: readonly SkippedGop[] = [],
    /** The media element failed to decode: the GOP it failed in, and the browser's words. */
    private readonly onFailed: (feed: CameraFeed, skip: SkippedGop | null, message: string) => void = () => undefined,
  ) {
    this.mediaSource = new MediaSource();
    this.objectUrl = URL.createObjectURL(this.mediaSource);
    this.opened = new Promise((resolve) => this.mediaSource.addEventListener('sourceopen', () => resolve(), { once: true }));
    video.src = this.objectUrl;
    video.dataset.origin = String(origin);
    video.addEventListener('error', this.onMediaError);
    void this.opened.then(() => {
      // Long enough for any seek within the session; media past the buffered end simply waits.
      if (!this.disposed) this.mediaSource.duration = 90 * 24 * 3600;
    });
  }

  dispose(): void {
    this.disposed = true;
    this.video.removeEventListener('error', this.onMediaError);
    this.abort.abort();
    this.generation++;
    try {
      this.video.removeAttribute('src');
      this.video.load();
    } catch {
      // already detached
    }
    URL.revokeObjectURL(this.objectUrl);
  }

  toMedia(utc: number): number {
    return (utc - this.origin) / 1000;
  }

  toUtc(media: number): number {
    return this.origin + media * 1000;
  }

  /** The UTC time the video shows now. */
  get currentUtc(): number {
    return this.toUtc(this.video.currentTime);
  }

  /** true / false when the segment list covers `utc`, null when not known yet. */
  hasFootageAt(utc: number): boolean | null {
    if (utc < this.knownFrom || utc >= this.knownTo) return null;
    return this.segmentAt(utc) !== undefined;
  }

  /** The segment with playable footage at `utc` (none inside a skipped GOP). */
  segmentAt(utc: number): SegmentRef | undefined {
    if (this.skipAt(utc)) return undefined;
    return this.segments.find((s) => s.start <= utc && utc < s.end);
  }

  /** The skipped GOP at `utc`, if any. */
  skipAt(utc: number): SkippedGop | undefined {
    return this.skips.find((k) => k.from <= utc && utc < k.to);
  }

  /** Start of the first known footage after `utc` (not contiguous with it), or null. */
  nextFootageAfter(utc: number): number | null {
    let next: number | null = null;
    const consider = (t: number) => {
      if (t > utc && (next === null || t < next) && this.segmentAt(t)) next = t;
    };
    for (const s of this.segments) consider(s.start);
    for (const k of this.skips) consider(k.to); // footage resumes after a skipped GOP
    return next;
  }

  /** End of the contiguous footage that `seg` belongs to (following segments within a second), as far as known; a skipped GOP ends it. */
  spanEndFrom(seg: SegmentRef): number {
    let end = seg.end;
    for (const s of this.segments) {
      if (s.start < seg.start) continue;
      if (s.start - end > CONTIGUOUS_MS) break;
      end = Math.max(end, s.end);
    }
    for (const k of this.skips) if (k.from >= seg.start && k.from < end) end = k.from;
    return end;
  }

  /** True when the segment list reaches at least to `utc`. */
  knowsUntil(utc: number): boolean {
    return utc < this.knownTo;
  }

  /** Whether the video has decodable media at `utc`. */
  isBuffered(utc: number, aheadS = 0.05): boolean {
    const t = this.toMedia(utc);
    const b = this.video.buffered;
    for (let i = 0; i < b.length; i++) if (b.start(i) <= t + 0.001 && t + aheadS <= b.end(i)) return true;
    return false;
  }

  /**
   * If the video sits at the end of a buffered range while later footage of
   * the same span is buffered just after it (a hole of rounding between two
   * segments), the media time where playback should continue; else null.
   */
  holeExit(): number | null {
    const t = this.video.currentTime;
    const b = this.video.buffered;
    for (let i = 0; i < b.length; i++) {
      if (t >= b.start(i) - 0.001 && t < b.end(i) - 0.12) return null; // playing inside a range
      if (b.start(i) > t && b.start(i) - t < CONTIGUOUS_MS / 1000 + 0.5) {
        const between = this.toUtc((t + b.start(i)) / 2);
        if (this.hasFootageAt(between) !== false || this.segmentAt(this.toUtc(b.start(i)))) return b.start(i) + 0.001;
      }
    }
    return null;
  }

  /** Asks for media around `utc` (non-blocking); `speed` widens the look-ahead. */
  request(utc: number, speed = 1): void {
    if (this.want && this.want.utc === utc && this.pumping) return;
    this.want = { utc, aheadMs: this.options.aheadMs * Math.max(1, speed) };
    void this.pump();
  }

  /** Forgets everything buffered (a jump far away): the next request starts from a keyframe. */
  async reset(): Promise<void> {
    this.generation++;
    this.abort.abort();
    this.abort = new AbortController();
    this.appended.clear();
    await this.opened;
    const sb = this.sourceBuffer;
    if (!sb || this.mediaSource.readyState !== 'open') return;
    if (sb.updating) {
      try {
        sb.abort();
      } catch {
        // nothing in flight after all
      }
    }
    await this.op(() => sb.remove(0, this.mediaSource.duration));
  }

  /** Refreshes the segment list (new footage indexed since). */
  invalidateList(): void {
    this.knownFrom = Infinity;
    this.knownTo = -Infinity;
  }

  /**
   * The media element failed (a frame it cannot decode, a box it cannot
   * parse): works out which GOP it failed in and tells the controller, which
   * replaces this feed. A decode failure's frame time comes from Chromium's
   * message ("timestamp=<µs>"); without one, the chunk whose append ended the
   * MediaSource is the culprit, and failing that, where the video stands.
   */
  private async failed(): Promise<void> {
    if (this.disposed || this.failing) return;
    this.failing = true;
    const message = this.video.error?.message || 'the video could not be decoded';
    const stamp = /timestamp=(\d+)/.exec(message);
    let skip: SkippedGop | null = stamp ? null : this.rejected;
    try {
      if (!skip) {
        const at = stamp ? this.toUtc(Number(stamp[1]) / 1e6) : this.currentUtc;
        const s = this.segments.find((x) => x.start <= at && at < x.end) ?? [...this.segments].reverse().find((x) => x.start <= at);
        if (s) {
          const index = await this.source.index(s.id);
          const from = keyframeAtOrBefore(index, at - s.start);
          skip = skippedGop(s, index, from.ms, index.keyframes.find((k) => k.ms > from.ms + 0.5));
        }
      }
    } catch {
      // the index is out of reach: the controller gives up on this camera
    }
    if (!this.disposed) this.onFailed(this, skip, message);
  }

  /** No more recovery (the controller gave up): says so on the tile. */
  fail(message: string): void {
    this.setState('error', message);
  }

  private setState(state: FeedState, error: string | null = null): void {
    if (this.state === state && this.error === error) return;
    if (this.state === 'unsupported' && state !== 'unsupported') return; // sticky
    this.state = state;
    this.error = error;
    this.video.dataset.state = state;
    this.onChange();
  }

  private async pump(): Promise<void> {
    if (this.pumping || this.disposed) return;
    this.pumping = true;
    try {
      for (;;) {
        const want = this.want;
        if (!want) return;
        const gen = this.generation;
        await this.ensureList(want.utc, want.aheadMs);
        if (gen !== this.generation || this.disposed) continue;
        const here = this.segmentAt(want.utc);
        if (!here) {
          this.setState(this.skipAt(want.utc) ? 'damaged' : 'no-footage');
          // Prefetch the start of the next footage so a jump there is instant.
          const next = this.nextFootageAfter(want.utc);
          if (next !== null && next - want.utc < want.aheadMs) await this.appendUpTo(next, want.aheadMs, gen);
        } else {
          if (!this.isBuffered(want.utc)) this.setState('loading');
          await this.appendUpTo(want.utc, want.aheadMs, gen);
          if (gen === this.generation && this.isBuffered(want.utc)) this.setState('ready');
        }
        if (gen !== this.generation) continue;
        await this.evict(want.utc, want.aheadMs);
        if (this.want === want) return;
      }
    } catch (err) {
      if (!this.disposed && (err as Error).name !== 'AbortError') this.setState('error', (err as Error).message);
    } finally {
      this.pumping = false;
    }
  }

  private async ensureList(utc: number, aheadMs: number): Promise<void> {
    if (utc - 60_000 >= this.knownFrom && utc + aheadMs + 60_000 < this.knownTo) return;
    if (!this.listing) {
      const from = utc - this.options.listWindowMs / 3;
      const to = utc + Math.max(this.options.listWindowMs, aheadMs * 3);
      this.listing = this.source
        .segments(this.cameraId, from, to)
        .then((list) => {
          this.segments = list.sort((a, b) => a.start - b.start);
          this.knownFrom = from;
          // The newest footage may still be recording: the list is only final up to its last segment.
          this.knownTo = Math.min(to, Date.now() - 1000);
        })
        .finally(() => (this.listing = null));
    }
    await this.listing;
  }

  /**
   * Appends what [utc, utc + aheadMs) needs, segment by segment, in chunks of
   * about CHUNK_MS that start and end on keyframe fragments: the first chunk
   * after a seek starts at the keyframe at or before `utc`, so the first frame
   * needs a few hundred kilobytes whatever the segment length. Skipped GOPs
   * count as done: nothing is fetched there.
   */
  private async appendUpTo(utc: number, aheadMs: number, gen: number): Promise<void> {
    const needed = this.segments.filter((s) => s.end > utc && s.start < utc + aheadMs);
    for (const s of needed) {
      const wantFrom = Math.max(0, utc - s.start);
      const wantTo = Math.min(s.end - s.start, utc + aheadMs - s.start);
      for (;;) {
        if (gen !== this.generation || this.disposed) return;
        const gap = firstGap([...(this.appended.get(s.id) ?? []), ...this.skipsOf(s.id)], wantFrom, wantTo);
        if (gap === null) break;
        const index = await this.source.index(s.id);
        if (gen !== this.generation) return;
        const spans = this.appended.get(s.id) ?? [];
        // Continue the range that ends at the gap; else start at the keyframe at or before it.
        const cont = spans.find((r) => r.from <= gap + 1 && Math.abs(r.to - gap) <= 1) ?? null;
        const startMs = cont ? cont.to : keyframeAtOrBefore(index, gap).ms;
        if (startMs >= index.durationMs - 0.5 && cont) {
          cont.to = Infinity; // the whole rest is in
          break;
        }
        const endMs = await this.appendChunk(s, index, startMs, gen);
        if (endMs === null) return;
        if (cont) cont.to = endMs;
        else this.appended.set(s.id, [...spans, { from: startMs, to: endMs }]);
      }
    }
  }

  /** The skipped GOPs of one segment, in its media time. */
  private skipsOf(segmentId: number): Span[] {
    return this.skips.filter((k) => k.segmentId === segmentId).map((k) => ({ from: k.fromMs, to: k.toMs }));
  }

  /** Appends init + the fragments from the keyframe at `startMs` to the first keyframe CHUNK_MS later. Returns the chunk's end (ms), or null. */
  private async appendChunk(s: SegmentRef, index: RecordingIndex, startMs: number, gen: number): Promise<number | null> {
    this.frameMs = index.frameMs ?? this.frameMs;
    if (!(await this.ensureSourceBuffer(index))) return null;
    const kfs = index.keyframes;
    const first = kfs.find((k) => Math.abs(k.ms - startMs) < 0.5) ?? keyframeAtOrBefore(index, startMs);
    // A chunk ends at a skipped GOP's keyframe: what follows it is not to be decoded.
    const skipStart = Math.min(...this.skipsOf(s.id).map((k) => k.from).filter((ms) => ms > first.ms + 0.5));
    const next = kfs.find((k) => k.ms >= first.ms + CHUNK_MS || k.ms >= skipStart - 0.5);
    const startOffset = first.offset <= index.initBytes ? index.initBytes : first.offset;
    const endOffset = next ? next.offset : index.bytes;
    const signal = this.abort.signal;
    const [init, media] = await Promise.all([this.init(s.id, index, signal), this.source.bytes(s.id, startOffset, endOffset, signal)]);
    if (gen !== this.generation || this.disposed) return null;
    const sb = this.sourceBuffer!;
    await this.op(() => {
      sb.timestampOffset = (s.start - this.origin) / 1000;
      sb.appendBuffer(concat(init, media));
    }, true);
    // A rejected append ends the MediaSource (this feed never ends it): stop here; the element's error follows.
    if (this.mediaSource.readyState === 'ended') {
      this.rejected ??= skippedGop(s, index, first.ms, next);
      return null;
    }
    if (gen !== this.generation) return null;
    return next ? next.ms : Infinity;
  }

  private async init(segmentId: number, index: RecordingIndex, signal: AbortSignal): Promise<ArrayBuffer> {
    let buf = this.inits.get(segmentId);
    if (!buf) {
      buf = await this.source.bytes(segmentId, 0, index.initBytes, signal);
      this.inits.set(segmentId, buf);
      if (this.inits.size > 64) this.inits.delete(this.inits.keys().next().value!);
    }
    return buf;
  }

  private async ensureSourceBuffer(index: RecordingIndex): Promise<boolean> {
    await this.opened;
    if (!MediaSource.isTypeSupported(index.mimeType)) {
      this.setState(
        'unsupported',
        index.codec === 'h265'
          ? 'This browser cannot play H.265 recordings. Export the footage to watch it in a desktop player.'
          : `This browser cannot play ${index.mimeType}.`,
      );
      return false;
    }
    if (!this.sourceBuffer) {
      this.sourceBuffer = this.mediaSource.addSourceBuffer(index.mimeType);
      this.sourceBuffer.mode = 'segments';
      this.mime = index.mimeType;
    } else if (this.mime !== index.mimeType) {
      // The camera's codec or profile changed between runs.
      if ('changeType' in this.sourceBuffer) this.sourceBuffer.changeType(index.mimeType);
      this.mime = index.mimeType;
    }
    return true;
  }

  /** Removes media outside [utc - keepBehind, utc + ahead × 3] and forgets which segments it held. */
  private async evict(utc: number, aheadMs: number): Promise<void> {
    const sb = this.sourceBuffer;
    if (!sb || this.mediaSource.readyState !== 'open') return;
    const keepFrom = this.toMedia(utc - this.options.keepBehindMs);
    const keepTo = this.toMedia(utc + aheadMs * 3 + 10_000);
    const b = sb.buffered;
    const cuts: [number, number][] = [];
    for (let i = 0; i < b.length; i++) {
      if (b.start(i) < keepFrom) cuts.push([b.start(i), Math.min(b.end(i), keepFrom)]);
      if (b.end(i) > keepTo) cuts.push([Math.max(b.start(i), keepTo), b.end(i)]);
    }
    for (const [a, z] of cuts) {
      if (z - a < 0.5) continue;
      await this.op(() => sb.remove(a, z));
      for (const s of this.segments) if (this.toMedia(s.start) < z && this.toMedia(s.end) > a) this.appended.delete(s.id);
    }
  }

  /** Runs one SourceBuffer operation and waits for it; retries once after freeing room if the buffer is full. */
  private async op(run: () => void, canRetry = false): Promise<void> {
    const sb = this.sourceBuffer;
    if (!sb) return;
    while (sb.updating) await once(sb, 'updateend');
    try {
      run();
    } catch (err) {
      if (canRetry && (err as DOMException).name === 'QuotaExceededError' && this.want) {
        await this.freeRoom(this.want.utc);
        await this.op(run, false);
        return;
      }
      throw err;
    }
    await once(sb, 'updateend');
  }

  /** The buffer is full: keep only a few seconds around the playhead. */
  private async freeRoom(utc: number): Promise<void> {
    const sb = this.sourceBuffer!;
    const t = this.toMedia(utc);
    const b = sb.buffered;
    for (let i = b.length - 1; i >= 0; i--) {
      const [a, z] = [b.start(i), b.end(i)];
      if (z < t - 3 || a > t + 10) {
        while (sb.updating) await once(sb, 'updateend');
        sb.remove(a, z);
        await once(sb, 'updateend');
      }
    }
    this.appended.clear();
  }
}

/** The stretch of segment `s` from `fromMs` to the keyframe `next` (or the segment's end), as a skipped GOP. */
function skippedGop(s: SegmentRef, index: RecordingIndex, fromMs: number, next: { ms: number } | undefined): SkippedGop {
  const toMs = next ? next.ms : Math.max(index.durationMs, s.end - s.start);
  return { segmentId: s.id, fromMs, toMs, from: s.start + Math.floor(fromMs), to: s.start + Math.ceil(toMs) };
}

function keyframeAtOrBefore(index: RecordingIndex, ms: number): { offset: number; ms: number } {
  let best = index.keyframes[0] ?? { offset: index.initBytes, ms: 0 };
  for (const k of index.keyframes) {
    if (k.ms > ms + 0.5) break;
    best = k;
  }
  return best;
}

function concat(a: ArrayBuffer, b: ArrayBuffer): ArrayBuffer {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(new Uint8Array(a), 0);
  out.set(new Uint8Array(b), a.byteLength);
  return out.buffer;
}

function once(target: EventTarget, event: string): Promise<void> {
  return new Promise((resolve) => target.addEventListener(event, () => resolve(), { once: true }));
}
