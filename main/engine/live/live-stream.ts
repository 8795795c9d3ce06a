/**
 * One live feed and its viewers: the fan-out of one camera stream (or of one
 * transcode of it) to every connected viewer.
 *
 * - Keeps the init segment and the fragments since the latest keyframe (the
 *   "latest GOP"), so a new viewer gets a decodable picture at once instead
 *   of waiting for the next keyframe.
 * - Never waits for a viewer. `publishFragment` runs synchronously inside the
 *   recorder's data handler: it hands each viewer the fragment and returns.
 *   A viewer whose queue (e.g. WebSocket bufferedAmount) is above the high
 *   water mark is skipped ahead: it gets nothing until its queue has drained
 *   and a keyframe arrives. A viewer that stays stuck that long is dropped.
 * - Knows nothing about cameras, WebSockets or processes: viewers are the
 *   small LiveViewer interface, so it is tested with plain objects.
 */
import type { InitInfo } from '../mp4/init.ts';
import { friendlyCodec } from '../mp4/init.ts';
import type { Fragment } from '../mp4/stream-reader.ts';
import { videoRun } from '../mp4/fragment.ts';
import type { LiveInitMessage } from '../../../preload/contract/live.ts';

/** What a viewer is told before each init segment. */
export type StreamDescription = Omit<LiveInitMessage, 'type'>;

/** One consumer of a live feed: a WebSocket, or a transcoder's stdin. */
export interface LiveViewer {
  /** Bytes handed over and not yet delivered (its queue). */
  backlog(): number;
  /** A new run begins: its description and init segment. Media fragments follow. */
  init(description: StreamDescription, init: Buffer): void;
  /** One media fragment (moof+mdat). `keyframe`: it starts with a sync sample. */
  fragment(bytes: Buffer, keyframe: boolean): void;
  /** The feed stopped (camera dropped, or not running yet); an init follows when it returns. */
  offline(): void;
  /** The feed drops this viewer (too slow, or the camera is gone). Called once; no calls follow. */
  drop(reason: DropReason, message: string): void;
}

export type DropReason = 'too-slow' | 'gone' | 'shutdown' | 'error';

export interface ViewerPolicy {
  /** Skip a viewer ahead once more than this is queued for it. */
  highWaterBytes: number;
  /** A skipped viewer resumes (at a keyframe) only once its queue is below this. */
  lowWaterBytes: number;
  /** A viewer that has been skipping this long is dropped. */
  dropAfterMs: number;
  /** Longest GOP kept for new viewers; beyond it they wait for the next keyframe. */
  maxGopBytes: number;
  /**
   * A cached GOP whose newest fragment is older than this is not sent to a new
   * viewer (the feed paused: e.g. a recorded stream is only read back while
   * watched); the viewer waits for the next keyframe instead.
   */
  staleGopMs: number;
}

export const DEFAULT_VIEWER_POLICY: ViewerPolicy = {
  highWaterBytes: 4 * 1024 * 1024,
  lowWaterBytes: 1024 * 1024,
  dropAfterMs: 10_000,
  maxGopBytes: 24 * 1024 * 1024,
  staleGopMs: 2000,
};

export interface ViewerStats {
  sentFragments: number;
  sentBytes: number;
  skippedFragments: number;
  /** Set while the viewer is being skipped ahead (UTC ms of when it started). */
  skippingSince: number | null;
}

interface Entry {
  viewer: LiveViewer;
  /** Send nothing until a keyframe: after joining without a GOP, after a new init, or while skipped. */
  waitingForKeyframe: boolean;
  stats: ViewerStats;
}

export interface LiveStreamStats {
  viewers: number;
  running: boolean;
  description: StreamDescription | null;
  gopFragments: number;
  gopBytes: number;
  fragments: number;
  droppedViewers: number;
  viewerStats: ViewerStats[];
}

export class LiveStream {
  private init: Buffer | null = null;
  private description: StreamDescription | null = null;
  private gop: Buffer[] = [];
  private gopBytes = 0;
  /** When the newest fragment arrived (for the staleness of the GOP). */
  private lastFragmentAt = -Infinity;
  private readonly entries = new Map<LiveViewer, Entry>();
  private fragments = 0;
  private droppedViewers = 0;
  private initInfo: InitInfo | null = null;

  constructor(
    /** How a run of this feed is described, given its init (which stream, transcoded or not). */
    private readonly describe: (info: InitInfo) => StreamDescription,
    private readonly policy: ViewerPolicy = DEFAULT_VIEWER_POLICY,
    private readonly now: () => number = Date.now,
    /** Called whenever the number of viewers changes. */
    private readonly onViewerCount: (count: number) => void = () => undefined,
  ) {}

  get viewerCount(): number {
    return this.entries.size;
  }

  get running(): boolean {
    return this.init !== null;
  }

  /** The current run's init info (codec, size), or null when the feed is not running. */
  get info(): InitInfo | null {
    return this.initInfo;
  }

  // ---------------------------------------------------------------- publishing

  publishInit(init: Buffer, info: InitInfo): void {
    this.init = init;
    this.initInfo = info;
    this.description = this.describe(info);
    this.clearGop();
    for (const entry of this.entries.values()) {
      entry.waitingForKeyframe = true; // the new run's media starts at its first keyframe
      this.deliver(entry, (v) => v.init(this.description!, init));
    }
  }

  publishFragment(fragment: Fragment): void {
    if (!this.init || !this.initInfo) return;
    this.fragments += 1;
    const now = this.now();
    if (now - this.lastFragmentAt > this.policy.staleGopMs) this.clearGop(); // what is cached is from before a pause
    this.lastFragmentAt = now;
    const keyframe = isKeyframe(fragment, this.initInfo);
    this.cache(fragment.bytes, keyframe);
    for (const entry of this.entries.values()) this.offer(entry, fragment.bytes, keyframe, now);
  }

  publishEnd(): void {
    this.init = null;
    this.initInfo = null;
    this.description = null;
    this.clearGop();
    for (const entry of this.entries.values()) this.deliver(entry, (v) => v.offline());
  }

  // ---------------------------------------------------------------- viewers

  /** Adds a viewer; it gets the init and the latest GOP at once when the feed runs. */
  attach(viewer: LiveViewer): void {
    if (this.entries.has(viewer)) return;
    const entry: Entry = {
      viewer,
      waitingForKeyframe: true,
      stats: { sentFragments: 0, sentBytes: 0, skippedFragments: 0, skippingSince: null },
    };
    this.entries.set(viewer, entry);
    if (this.init && this.description) {
      const init = this.init;
      const description = this.description;
      const fresh = this.now() - this.lastFragmentAt <= this.policy.staleGopMs;
      const gop = fresh ? this.gop.slice() : [];
      this.deliver(entry, (v) => {
        v.init(description, init);
        gop.forEach((bytes, i) => {
          v.fragment(bytes, i === 0);
          entry.stats.sentFragments += 1;
          entry.stats.sentBytes += bytes.length;
        });
      });
      entry.waitingForKeyframe = gop.length === 0;
    } else {
      this.deliver(entry, (v) => v.offline());
    }
    this.onViewerCount(this.entries.size);
  }

  /** Removes a viewer (it closed). Nothing more is sent to it. */
  detach(viewer: LiveViewer): void {
    if (this.entries.delete(viewer)) this.onViewerCount(this.entries.size);
  }

  /** Drops every viewer (camera removed, shutdown). */
  dropAll(reason: DropReason, message: string): void {
    for (const entry of [...this.entries.values()]) this.dropEntry(entry, reason, message);
  }

  stats(): LiveStreamStats {
    return {
      viewers: this.entries.size,
      running: this.running,
      description: this.description,
      gopFragments: this.gop.length,
      gopBytes: this.gopBytes,
      fragments: this.fragments,
      droppedViewers: this.droppedViewers,
      viewerStats: [...this.entries.values()].map((e) => ({ ...e.stats })),
    };
  }

  // ---------------------------------------------------------------- internals

  /** Latest GOP: a keyframe fragment starts a new one; later fragments join it. */
  private cache(bytes: Buffer, keyframe: boolean): void {
    if (keyframe) this.clearGop();
    else if (this.gop.length === 0) return; // no keyframe seen yet in this run: nothing decodable to keep
    if (this.gopBytes + bytes.length > this.policy.maxGopBytes) {
      this.clearGop(); // a GOP this long is not worth holding: new viewers wait for the next keyframe
      return;
    }
    this.gop.push(bytes);
    this.gopBytes += bytes.length;
  }

  private clearGop(): void {
    this.gop = [];
    this.gopBytes = 0;
  }

  private offer(entry: Entry, bytes: Buffer, keyframe: boolean, now: number): void {
    const { stats } = entry;
    let backlog: number;
    try {
      backlog = entry.viewer.backlog();
    } catch (err) {
      this.dropEntry(entry, 'error', (err as Error).message);
      return;
    }
    const skipping = stats.skippingSince !== null;
    const congested = backlog > this.policy.highWaterBytes || (skipping && backlog > this.policy.lowWaterBytes);
    if (congested) {
      if (!skipping) stats.skippingSince = now;
      else if (now - stats.skippingSince! > this.policy.dropAfterMs) {
        this.dropEntry(entry, 'too-slow', `viewer could not keep up for ${Math.round((now - stats.skippingSince!) / 1000)} s`);
        return;
      }
      entry.waitingForKeyframe = true;
      stats.skippedFragments += 1;
      return;
    }
    if (entry.waitingForKeyframe && !keyframe) {
      stats.skippedFragments += 1;
      return;
    }
    entry.waitingForKeyframe = false;
    stats.skippingSince = null;
    stats.sentFragments += 1;
    stats.sentBytes += bytes.length;
    this.deliver(entry, (v) => v.fragment(bytes, keyframe));
  }

  /** Calls into a viewer; a viewer that throws is dropped, never the feed. */
  private deliver(entry: Entry, call: (viewer: LiveViewer) => void): void {
    try {
      call(entry.viewer);
    } catch (err) {
      this.dropEntry(entry, 'error', (err as Error).message);
    }
  }

  private dropEntry(entry: Entry, reason: DropReason, message: string): void {
    if (!this.entries.delete(entry.viewer)) return;
    this.droppedViewers += 1;
    try {
      entry.viewer.drop(reason, message);
    } catch {
      // already gone: nothing else to do
    }
    this.onViewerCount(this.entries.size);
  }
}

/** True when the fragment's video run starts with a sync sample (ffmpeg's frag_keyframe cuts there). */
export function isKeyframe(fragment: Fragment, info: InitInfo): boolean {
  return videoRun(fragment.info, info)?.startsWithSync ?? false;
}

/** The description of a run straight from its init segment. */
export function describeInit(info: InitInfo, stream: StreamDescription['stream'], transcoded: boolean): StreamDescription {
  return {
    mimeType: info.mimeType,
    codec: info.video ? friendlyCodec(info.video.fourcc) : 'none',
    width: info.video?.width ?? null,
    height: info.video?.height ?? null,
    stream,
    transcoded,
  };
}
