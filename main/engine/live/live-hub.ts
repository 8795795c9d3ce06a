/**
 * The live fan-out: every camera stream's fragments, from the one camera
 * connection the recorder holds, to any number of live viewers.
 *
 * The recorder calls the LiveSink methods synchronously from its data
 * handler; the hub only hands bytes to viewer queues and returns (see
 * LiveStream for the slow-viewer policy).
 *
 * Isolation: a feed is keyed by (camera id, stream kind) and created only by
 * the recorder of exactly that key; a viewer is attached to the one feed its
 * route resolves to, after the camera and stream were checked against the
 * camera list. Nothing is shared between feeds.
 *
 * H.265: Chromium's MSE cannot decode HEVC here. A request for an H.265
 * stream is served from the camera's other stream when that one is H.264;
 * otherwise from an on-demand H.264 transcode that runs only while someone
 * watches it (stopped `transcodeLingerMs` after the last viewer leaves).
 *
 * Low latency: a viewer that asks for it on a recorded stream (the maximised
 * view) gets an express connection to the camera while it watches
 * (./express.ts); the feed switches to it at its first keyframe.
 */
import type { LiveSink } from '../recording/stream-recorder.ts';
import type { InitInfo } from '../mp4/init.ts';
import { friendlyCodec } from '../mp4/init.ts';
import type { Fragment } from '../mp4/stream-reader.ts';
import type { StreamKind } from '../storage/store.ts';
import type { Logger } from '../log.ts';
import { DEFAULT_VIEWER_POLICY, describeInit, LiveStream, type DropReason, type LiveStreamStats, type LiveViewer, type StreamDescription, type ViewerPolicy } from './live-stream.ts';
import { OutputInitMemory, SpareTranscoder, spawnTranscoder, transcodeArgs, Transcoder, type TranscodeSpawner } from './transcoder.ts';
import { liveTrace } from './live-trace.ts';
import { ExpressFeeds, type ExpressControl, type ExpressStats } from './express.ts';

/** What the hub needs to know about cameras: their streams and last known codecs. */
export interface LiveCatalog {
  /**
   * The streams of a camera that can be watched, or null when there is no
   * such camera or it is switched off (a disabled camera has nothing live).
   */
  streams(cameraId: number): { kind: StreamKind; codec: string | null }[] | null;
  /** Why a stream cannot be watched (any more), in words for the viewer's close message. */
  goneReason?(cameraId: number, kind: StreamKind): string;
}

/** How a request for (camera, stream) is served. */
export interface LivePlan {
  cameraId: number;
  requested: StreamKind;
  /** The camera stream whose fragments are sent (or transcoded). */
  source: StreamKind;
  transcode: boolean;
}

export interface SubscribeOptions {
  /**
   * The viewer asks for the lowest latency (the maximised view): a recorded
   * stream then gets an express connection while it watches (./express.ts).
   */
  lowLatency?: boolean;
}

export interface LiveSubscription {
  plan: LivePlan;
  /** Detaches the viewer (call when its connection closes). */
  close(): void;
}

export interface LiveHubOptions extends ViewerPolicy {
  /** Keep a transcode running this long after its last viewer left (a quick re-open reuses it). */
  transcodeLingerMs: number;
  /** How often viewers are checked against the camera list (removed cameras, removed sub streams). */
  sweepMs: number;
  /**
   * Keep one transcoding ffmpeg started while some running stream can only be
   * watched through a transcode (SpareTranscoder): a cold transcode then
   * skips ffmpeg's start-up.
   */
  spareTranscoder: boolean;
  /** Keep an express connection open this long after its last low-latency viewer left. */
  expressLingerMs: number;
}

export const DEFAULT_LIVE_OPTIONS: LiveHubOptions = { ...DEFAULT_VIEWER_POLICY, transcodeLingerMs: 5000, sweepMs: 10_000, spareTranscoder: true, expressLingerMs: 5000 };

export interface LiveHubDeps {
  catalog: LiveCatalog;
  ffmpegPath: () => string;
  log: Logger;
  now?: () => number;
  spawn?: TranscodeSpawner;
  /**
   * A viewer attached to this camera stream: tells the recorder to read now
   * (a recorded stream is only read back while watched), so the first frame
   * does not wait for its next tick.
   */
  demand?: (cameraId: number, kind: StreamKind) => void;
  /** Opens and closes express connections for low-latency viewers (absent: none are opened). */
  express?: ExpressControl;
}

export interface LiveHubStats {
  feeds: Record<string, LiveStreamStats>;
  transcodes: Record<string, { pid: number | undefined; output: LiveStreamStats }>;
  /** Open express connections, by feed key. */
  express: Record<string, ExpressStats>;
}

interface TranscodeEntry {
  transcoder: Transcoder;
  linger: NodeJS.Timeout | null;
}

const feedKey = (cameraId: number, kind: StreamKind) => `${cameraId}/${kind}`;

export class LiveHub implements LiveSink {
  private readonly feeds = new Map<string, LiveStream>();
  private readonly transcodes = new Map<string, TranscodeEntry>();
  /** Each camera stream's last transcode output init (announced at once by the next transcode). */
  private readonly outputInits = new Map<string, OutputInitMemory>();
  private readonly options: LiveHubOptions;
  private readonly now: () => number;
  private stopped = false;
  private readonly sweeper: NodeJS.Timeout;
  private readonly spare: SpareTranscoder | null;
  private readonly express: ExpressFeeds | null;

  constructor(
    private readonly deps: LiveHubDeps,
    options: Partial<LiveHubOptions> = {},
  ) {
    this.options = { ...DEFAULT_LIVE_OPTIONS, ...options };
    this.now = deps.now ?? Date.now;
    this.spare = this.options.spareTranscoder ? new SpareTranscoder(deps.spawn ?? spawnTranscoder, deps.ffmpegPath) : null;
    this.express = deps.express ? new ExpressFeeds(deps.express, (key) => this.feeds.get(key), this.options.expressLingerMs) : null;
    // A camera is removed after its recorders stopped, so the end of its feed
    // cannot tell: check the camera list now and then instead.
    this.sweeper = setInterval(() => this.sweep(), this.options.sweepMs);
    this.sweeper.unref();
  }

  // ---------------------------------------------------------------- LiveSink (from the recorders)

  onInit(cameraId: number, kind: StreamKind, init: Buffer, info: InitInfo): void {
    if (this.stopped) return;
    const feed = this.feed(cameraId, kind);
    if (this.express && !this.express.recordedInit(cameraId, kind, init, info)) return; // held while an express connection feeds it
    feed.publishInit(init, info);
    this.refreshSpare();
  }

  onFragment(cameraId: number, kind: StreamKind, fragment: Fragment): void {
    if (this.express && !this.express.recordedFragment(cameraId, kind)) return;
    this.feeds.get(feedKey(cameraId, kind))?.publishFragment(fragment);
  }

  /**
   * Whether anyone watches this stream (a viewer or a transcode). Recorded
   * streams are only read back for live view while this says yes.
   */
  wants(cameraId: number, kind: StreamKind): boolean {
    return (this.feeds.get(feedKey(cameraId, kind))?.viewerCount ?? 0) > 0;
  }

  onEnd(cameraId: number, kind: StreamKind): void {
    const key = feedKey(cameraId, kind);
    const feed = this.feeds.get(key);
    if (!feed) return;
    if (this.express && !this.express.recordedEnd(cameraId, kind)) return; // the express connection keeps it running
    feed.publishEnd();
    if (!this.streamExists(cameraId, kind)) {
      this.forget(key);
    } else if (feed.viewerCount === 0 && !this.transcodes.has(key)) {
      this.feeds.delete(key);
    }
  }

  // ---------------------------------------------------------------- viewers

  /** How a request would be served; null when the camera or stream does not exist. */
  plan(cameraId: number, kind: StreamKind): LivePlan | null {
    const streams = this.catalog(cameraId);
    if (!streams?.some((s) => s.kind === kind)) return null;
    const codecOf = (k: StreamKind): string | null => {
      const live = this.feeds.get(feedKey(cameraId, k))?.info?.video;
      return live ? friendlyCodec(live.fourcc) : (streams.find((s) => s.kind === k)?.codec ?? null);
    };
    const direct: LivePlan = { cameraId, requested: kind, source: kind, transcode: false };
    if (codecOf(kind) !== 'h265') return direct; // H.264, or not known yet (the player reconnects if it cannot play it)
    const other: StreamKind = kind === 'main' ? 'sub' : 'main';
    if (streams.some((s) => s.kind === other) && codecOf(other) === 'h264') return { ...direct, source: other };
    return { ...direct, transcode: true };
  }

  /** Attaches a viewer to what its request resolves to; null when the camera or stream does not exist. */
  subscribe(cameraId: number, kind: StreamKind, viewer: LiveViewer, options: SubscribeOptions = {}): LiveSubscription | null {
    if (this.stopped) return null;
    liveTrace('hub.subscribe');
    const plan = this.plan(cameraId, kind);
    if (!plan) return null;
    if (!plan.transcode) {
      const subscription = this.attach(this.feed(cameraId, plan.source), viewer, plan);
      // Only the stream asked for, served as it is: a stand-in or a transcode has its own path.
      if (!options.lowLatency || !this.express || plan.source !== kind) return subscription;
      const leave = this.express.join(cameraId, kind);
      return {
        plan,
        close: () => {
          subscription.close();
          leave();
        },
      };
    }
    const source = this.feed(cameraId, plan.source);
    const joining = new JoiningTranscode(viewer, () => source.running);
    const subscription = this.attach(this.transcodeOf(cameraId, plan.source).output, joining, plan);
    joining.joined();
    return subscription;
  }

  /**
   * Attaches a consumer to exactly this camera stream's own feed, never a
   * stand-in: detection decodes the stream itself, whatever its codec (an
   * H.265 sub stream must not become a 1080p main or a transcode for it).
   */
  subscribeDirect(cameraId: number, kind: StreamKind, viewer: LiveViewer): LiveSubscription | null {
    if (this.stopped || !this.catalog(cameraId)?.some((s) => s.kind === kind)) return null;
    return this.attach(this.feed(cameraId, kind), viewer, { cameraId, requested: kind, source: kind, transcode: false });
  }

  /** Attaches a viewer and wakes the stream's recorder, so the first frame does not wait for its next tick. */
  private attach(stream: LiveStream, viewer: LiveViewer, plan: LivePlan): LiveSubscription {
    stream.attach(viewer);
    try {
      this.deps.demand?.(plan.cameraId, plan.source);
    } catch {
      // the recorder is stopping: the viewer gets the feed when it runs
    }
    return { plan, close: () => stream.detach(viewer) };
  }

  stats(): LiveHubStats {
    const feeds: LiveHubStats['feeds'] = {};
    for (const [key, feed] of this.feeds) feeds[key] = feed.stats();
    const transcodes: LiveHubStats['transcodes'] = {};
    for (const [key, entry] of this.transcodes) transcodes[key] = { pid: entry.transcoder.pid, output: entry.transcoder.output.stats() };
    return { feeds, transcodes, express: this.express?.stats() ?? {} };
  }

  /**
   * A camera was removed, switched off or lost a stream: close its viewers and
   * stop its transcodes now, with the reason, instead of at the next sweep.
   * Camera ids are never reused (storage migration 5), so nothing else can
   * ever answer to this camera's feeds.
   */
  cameraChanged(cameraId: number): void {
    for (const kind of ['main', 'sub'] as const) {
      const key = feedKey(cameraId, kind);
      if (!this.feeds.has(key) && !this.transcodes.has(key)) continue;
      if (!this.streamExists(cameraId, kind)) this.forget(key);
    }
  }

  /** Drops the viewers of feeds whose camera or stream is gone from the camera list (a backstop for cameraChanged). */
  sweep(): void {
    for (const key of new Set([...this.feeds.keys(), ...this.transcodes.keys()])) {
      const [id, kind] = key.split('/');
      if (!this.streamExists(Number(id), kind as StreamKind)) this.forget(key);
    }
    this.refreshSpare();
  }

  /** Closes every viewer and stops every transcode (server shutdown). */
  stop(): void {
    this.stopped = true;
    clearInterval(this.sweeper);
    this.spare?.stop();
    this.express?.stopAll();
    for (const key of [...this.transcodes.keys()]) this.stopTranscode(key, 'shutdown');
    for (const feed of this.feeds.values()) feed.dropAll('shutdown', 'the server is shutting down');
    this.feeds.clear();
  }

  // ---------------------------------------------------------------- internals

  /** The camera (or this stream of it) was removed or switched off: its viewers have nothing left to wait for. */
  private forget(key: string): void {
    const [id, kind] = key.split('/');
    const why = this.goneReason(Number(id), kind as StreamKind);
    this.stopTranscode(key, 'gone', why);
    this.feeds.get(key)?.dropAll('gone', why);
    this.express?.forget(key); // after its viewers are gone: nothing more reaches them
    this.feeds.delete(key);
    this.outputInits.delete(key);
  }

  private feed(cameraId: number, kind: StreamKind): LiveStream {
    const key = feedKey(cameraId, kind);
    let feed = this.feeds.get(key);
    if (!feed) {
      feed = new LiveStream((info) => describeInit(info, kind, false), this.options, this.now);
      this.feeds.set(key, feed);
    }
    return feed;
  }

  private transcodeOf(cameraId: number, kind: StreamKind): Transcoder {
    const key = feedKey(cameraId, kind);
    const existing = this.transcodes.get(key);
    if (existing) return existing.transcoder;
    const output = new LiveStream(
      (info) => describeInit(info, kind, true),
      this.options,
      this.now,
      (count) => this.onTranscodeViewers(key, count),
    );
    const transcoder = new Transcoder(this.feed(cameraId, kind), output, `camera ${cameraId} ${kind}`, {
      ffmpegPath: this.deps.ffmpegPath,
      log: this.deps.log,
      spawn: this.spare?.spawn ?? this.deps.spawn,
      outputInit: this.outputInitOf(key),
    });
    this.transcodes.set(key, { transcoder, linger: null });
    this.deps.log.info(`camera ${cameraId} ${kind}: H.265 live view, starting an H.264 transcode`);
    transcoder.start();
    return transcoder;
  }

  private outputInitOf(key: string): OutputInitMemory {
    let memory = this.outputInits.get(key);
    if (!memory) this.outputInits.set(key, (memory = new OutputInitMemory()));
    return memory;
  }

  /** A transcoding ffmpeg is kept started while some running stream can only be watched through a transcode. */
  private refreshSpare(): void {
    if (!this.spare || this.stopped) return;
    let needed: readonly string[] | null = null;
    for (const [key, feed] of this.feeds) {
      const video = feed.info?.video;
      if (!video || friendlyCodec(video.fourcc) !== 'h265') continue; // H.264 installs never ask the catalog
      const [id, kind] = key.split('/');
      if (this.plan(Number(id), kind as StreamKind)?.transcode) {
        needed = transcodeArgs({ width: video.width, height: video.height }); // started as that transcode will be
        break;
      }
    }
    this.spare.want(needed);
  }

  /** The pid of the transcoding ffmpeg kept started, if any (tests). */
  get sparePid(): number | undefined {
    return this.spare?.pid;
  }

  private onTranscodeViewers(key: string, count: number): void {
    const entry = this.transcodes.get(key);
    if (!entry) return;
    if (count > 0) {
      if (entry.linger) clearTimeout(entry.linger);
      entry.linger = null;
    } else if (!entry.linger) {
      entry.linger = setTimeout(() => this.stopTranscode(key), this.options.transcodeLingerMs);
      entry.linger.unref?.();
    }
  }

  private stopTranscode(key: string, reason: 'gone' | 'shutdown' = 'gone', why = 'the camera or stream was removed'): void {
    const entry = this.transcodes.get(key);
    if (!entry) return;
    this.transcodes.delete(key);
    if (entry.linger) clearTimeout(entry.linger);
    entry.transcoder.stop();
    entry.transcoder.output.dropAll(reason, reason === 'shutdown' ? 'the server is shutting down' : why);
    this.deps.log.info(`${key}: transcode stopped`);
  }

  private catalog(cameraId: number): ReturnType<LiveCatalog['streams']> {
    if (!Number.isSafeInteger(cameraId) || cameraId <= 0) return null;
    try {
      return this.deps.catalog.streams(cameraId);
    } catch {
      return null; // e.g. the store is closing
    }
  }

  private goneReason(cameraId: number, kind: StreamKind): string {
    try {
      return this.deps.catalog.goneReason?.(cameraId, kind) ?? 'the camera or stream was removed';
    } catch {
      return 'the camera or stream was removed';
    }
  }

  private streamExists(cameraId: number, kind: StreamKind): boolean {
    try {
      const streams = this.deps.catalog.streams(cameraId);
      return streams?.some((s) => s.kind === kind) ?? false;
    } catch {
      return true; // cannot tell (shutting down): keep the viewers, stop() closes them
    }
  }
}

/**
 * A viewer joining a transcode that is still starting. Its output feed has
 * no init yet and would tell the viewer it is offline, though the camera is
 * live and the first frame a few tens of milliseconds away: a player would
 * show "offline" for nothing. That one notice is not passed on while the
 * source runs; any later one is (the transcode or the camera stopped).
 */
class JoiningTranscode implements LiveViewer {
  private joining = true;

  constructor(
    private readonly viewer: LiveViewer,
    private readonly sourceRunning: () => boolean,
  ) {}

  joined(): void {
    this.joining = false;
  }

  backlog(): number {
    return this.viewer.backlog();
  }

  init(description: StreamDescription, init: Buffer): void {
    this.viewer.init(description, init);
  }

  fragment(bytes: Buffer, keyframe: boolean): void {
    this.viewer.fragment(bytes, keyframe);
  }

  offline(): void {
    if (this.joining && this.sourceRunning()) return;
    this.viewer.offline();
  }

  drop(reason: DropReason, message: string): void {
    this.viewer.drop(reason, message);
  }
}

/** The catalog over the engine's store (enabled cameras and each stream's last seen codec). */
export function storeCatalog(store: () => {
  getCamera(id: number): { enabled: boolean } | null | undefined;
  listStreams(id: number): { kind: StreamKind; codec: string | null }[];
}): LiveCatalog {
  return {
    streams(cameraId) {
      const s = store();
      if (!s.getCamera(cameraId)?.enabled) return null;
      return s.listStreams(cameraId).map((row) => ({ kind: row.kind, codec: row.codec }));
    },
    goneReason(cameraId) {
      const camera = store().getCamera(cameraId);
      if (!camera) return 'the camera was removed';
      return camera.enabled ? 'the stream was removed from the camera' : 'the camera was switched off';
    },
  };
}
