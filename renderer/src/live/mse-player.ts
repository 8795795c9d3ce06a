/**
 * The live player: fragmented MP4 over a WebSocket into Media Source
 * Extensions (docs/live.md).
 *
 * - Each `init` message (a new run of the stream: first connect, camera
 *   reconnect, transcode restart) resets the SourceBuffer: a new MediaSource
 *   when the codec changed, else the old media is removed and the new init
 *   appended. The last decoded frame stays on screen meanwhile.
 * - Shows a run's first frame without waiting: the MediaSource is attached
 *   while the socket connects, and the run's media is placed at the play
 *   head (media-time.ts) instead of sought to.
 * - Holds near the live edge (live-edge.ts): plays a little faster when
 *   behind, jumps when far behind or stuck in a hole.
 * - Keeps memory bounded: trims old media, and re-syncs (reconnects, which
 *   brings the init and the latest GOP) instead of queueing without bound.
 * - Reconnects by itself with a short backoff; stop() closes the socket but
 *   keeps the last frame (used for tiles out of view and hidden tabs).
 * - Costs the page little in a grid of many tiles (cadence.ts): no frame
 *   callback at every frame, one shared tick, no duration change per append;
 *   and lines its frames up with the other tiles' (frame-phase.ts), so the
 *   display compositor redraws the changed tiles together.
 */
import type { LiveInitMessage, LiveMessage } from '../../../preload/api.ts';
import { LIVE_CLOSE } from '../../../preload/contract/live-route.ts';
import { decideEdge, DEFAULT_EDGE_POLICY, FrameClock, TroughTracker, type EdgeDecision, type EdgePolicy } from './live-edge.ts';
import { takeBatch } from './append-batch.ts';
import { fragmentStart, trackTimes, type TrackTime } from './media-time.ts';
import { followEveryFrame, FRAME_BURST, FRAME_BURST_EVERY_MS } from './cadence.ts';
import { SharedTicker } from './shared-ticker.ts';
import { alignedPolicy, chooseNudge, medianLateness, phaseOf, PHASE_SAMPLES, PhaseTargets, slotMiddle, troughBand, VSYNC_MS, vsyncFromFrameTimes, wallPhase } from './frame-phase.ts';
import type { PlayerState } from './player-state.ts';

export type { PlayerState };

export interface PlayerCallbacks {
  onState?(state: PlayerState): void;
  /** The description of each new run (codec, size, which stream is really sent). */
  onStream?(stream: LiveInitMessage): void;
  /** Milliseconds from start() (socket opened) to the first frame on screen. */
  onFirstFrame?(ms: number): void;
}

export interface PlayerOptions {
  /** ws:// or wss:// URL of the live route. */
  url: string;
  policy?: EdgePolicy;
}

type Op =
  | { kind: 'append'; data: ArrayBuffer }
  | { kind: 'remove'; start: number; end: number }
  | { kind: 'removeAll' }
  /** Place the run's media so that its first frame (at `mediaStart`, seconds) is at the play head. */
  | { kind: 'place'; mediaStart: number };

/** One tick's live-edge step: the lag's recent trough and what the controller decided. */
interface EdgeStep {
  trough: number | null;
  decision: EdgeDecision;
}

/** Queued media beyond this means the page cannot keep up (e.g. a throttled tab): re-sync instead. */
const MAX_QUEUED_BYTES = 16 * 1024 * 1024;
const MAX_QUEUED_OPS = 200;
/** Queued media is appended in batches of at most this (a join's GOP burst, a busy moment's backlog). */
const MAX_APPEND_BYTES = 4 * 1024 * 1024;
/** No new frame for this long while connected: stalled. */
const STALL_MS = 3000;
/** Data keeps arriving but no frame appears for this long: the decoder is stuck; re-sync. */
const STUCK_MS = 6000;
const RETRY_MS = [300, 1000, 2000, 4000, 5000];
const TICK_MS = 200;

/** Every player of the page ticks on one timer. */
const ticker = new SharedTicker(TICK_MS);
/** Players running on this page: their number sets how closely each follows its frames (cadence.ts). */
const running = new Set<LivePlayer>();
/** The frame phase the grid's tiles line up on (frame-phase.ts). */
const phaseTargets = new PhaseTargets();
/**
 * The benches' experiment switches, on unless the page sets them false;
 * nothing in the product sets them:
 * - `__kwPlaceRun = false` seeks to each run's first frame instead of placing
 *   it at the play head (bench/live.ts KW_BENCH_LIVE_AB=__kwPlaceRun);
 * - `__kwFramePhase = false` plays a grid without lining up its frames
 *   (bench/live-grid.ts KW_GRID_AB=phase).
 */
function switchOn(name: '__kwPlaceRun' | '__kwFramePhase'): boolean {
  return (globalThis as Record<string, unknown>)[name] !== false;
}

/**
 * What each running player is doing, for diagnosis (the live e2e tests print
 * it when a tile does not come back): `__kwLivePlayers()` in the console.
 */
(globalThis as Record<string, unknown>).__kwLivePlayers = () => [...running].map((p) => p.snapshot());

/** The display's refresh period (ms), measured once per page when a grid first lines up its frames; null until then. */
let vsyncMs: number | null = null;
let vsyncMeasuring = false;

/** The display's refresh period, or null while it is being measured (32 animation frames, about half a second at 60 Hz). */
function displayVsync(): number | null {
  if (vsyncMs !== null || vsyncMeasuring) return vsyncMs;
  if (typeof requestAnimationFrame !== 'function') return (vsyncMs = VSYNC_MS);
  vsyncMeasuring = true;
  const times: number[] = [];
  const step = (t: number) => {
    times.push(t);
    if (times.length < 33) requestAnimationFrame(step);
    else vsyncMs = vsyncFromFrameTimes(times) ?? VSYNC_MS;
  };
  requestAnimationFrame(step);
  return null;
}

/** A rate change reaches the media clock a little later: phase samples wait this long (ms) after a nudge. */
const SETTLE_AFTER_NUDGE_MS = 300;

export class LivePlayer {
  private ws: WebSocket | null = null;
  private mediaSource: MediaSource | null = null;
  private objectUrl: string | null = null;
  private sourceBuffer: SourceBuffer | null = null;
  private mime: string | null = null;
  private ops: Op[] = [];
  private queuedBytes = 0;
  /** The next binary message is an init segment, described by this. */
  private pendingInit: LiveInitMessage | null = null;
  private haveInit = false;
  /** This run's tracks' timescales and kinds (from its init), and whether its first media fragment is still to be placed. */
  private tracks = new Map<number, TrackTime>();
  private placeRun = false;
  private active = false;
  private state: PlayerState = 'idle';
  private attempt = 0;
  private unsupportedTries = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private untick: (() => void) | null = null;
  private frameHandle: number | null = null;
  private startedAt = 0;
  /** Media element errors recovered from, and the last one's code and message (snapshot()). */
  private mediaErrors = 0;
  private lastMediaError: string | null = null;
  private firstFrameDone = false;
  /** Frames were shown since start(): a lost connection is then a reconnect. */
  private hadFrames = false;
  private lastFrameAt = 0;
  private lastDataAt = 0;
  private lastMediaTime = -1;
  private readonly policy: EdgePolicy;
  private readonly trough = new TroughTracker();
  private readonly frames = new FrameClock();
  /** Whether this run's first media has been joined at the live edge yet. */
  private landed = false;
  /** Frame callbacks still wanted in the current burst (when not following every frame). */
  private burstLeft = 0;
  private lastBurstAt = -Infinity;
  /** A presented frame's media time and the vsync it was shown for (ms), from a frame callback: frame-phase.ts. */
  private framePtsMs: number | null = null;
  private vsyncAtMs = 0;
  /** This run's frame phase, sampled at each tick (frame-phase.ts). */
  private phaseSamples: number[] = [];
  /** Ends the phase nudge in progress (playbackRate ≠ 1 meanwhile). */
  private nudgeTimer: ReturnType<typeof setTimeout> | null = null;
  private nudgeEndedAt = -Infinity;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly options: PlayerOptions,
    private readonly callbacks: PlayerCallbacks = {},
  ) {
    this.policy = options.policy ?? DEFAULT_EDGE_POLICY;
    video.muted = true;
    video.playsInline = true;
    video.autoplay = true;
    video.disablePictureInPicture = true;
    video.disableRemotePlayback = true;
  }

  /** Whether to follow every frame with a callback (a few players on the page), or bursts now and then (cadence.ts). */
  private everyFrame(): boolean {
    return followEveryFrame(running.size) && hasFrameCallbacks(this.video);
  }

  get currentState(): PlayerState {
    return this.state;
  }

  /** The player's inner state, for diagnosis (`__kwLivePlayers`). */
  snapshot(): Record<string, unknown> {
    const now = performance.now();
    const sb = this.sourceBuffer;
    const video = this.video;
    return {
      url: this.options.url.replace(/token=[^&]*/, 'token=…'),
      state: this.state,
      socket: this.ws ? ['connecting', 'open', 'closing', 'closed'][this.ws.readyState] : null,
      retryPending: this.retryTimer !== null,
      attempt: this.attempt,
      sinceStartMs: Math.round(now - this.startedAt),
      sinceDataMs: Math.round(now - this.lastDataAt),
      sinceFrameMs: Math.round(now - this.lastFrameAt),
      haveInit: this.haveInit,
      pendingInit: this.pendingInit !== null,
      firstFrameDone: this.firstFrameDone,
      landed: this.landed,
      mediaSource: this.mediaSource?.readyState ?? null,
      sourceBuffer: sb ? { updating: sb.updating, buffered: rangesOf(sb.buffered) } : null,
      ops: this.ops.length,
      mediaErrors: this.mediaErrors,
      lastMediaError: this.lastMediaError,
      video: { currentTime: video.currentTime, readyState: video.readyState, paused: video.paused, networkState: video.networkState, error: video.error?.code ?? null },
    };
  }

  /** Connects (again). The first frame appears as soon as the init and the latest GOP are in. */
  start(): void {
    if (this.active) return;
    this.active = true;
    running.add(this);
    this.attempt = 0;
    this.hadFrames = false;
    this.connect();
    this.untick = ticker.add(() => this.tick());
  }

  /** Closes the socket and pauses ('paused'); the last frame stays on screen. */
  stop(): void {
    if (!this.active) return;
    this.active = false;
    running.delete(this);
    if (!running.size) phaseTargets.clear();
    if (this.nudgeTimer !== null) {
      this.endNudge();
      this.video.playbackRate = 1;
    }
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.untick?.();
    this.untick = null;
    if (this.frameHandle !== null && hasFrameCallbacks(this.video)) this.video.cancelVideoFrameCallback(this.frameHandle);
    this.frameHandle = null;
    this.closeSocket();
    this.video.pause();
    this.setState('paused');
  }

  /** stop() and release the MediaSource. */
  destroy(): void {
    this.stop();
    this.detachMedia();
  }

  // ---------------------------------------------------------------- socket

  private connect(): void {
    this.retryTimer = null;
    if (!this.active) return;
    this.setState(this.hadFrames ? 'reconnecting' : 'connecting');
    this.startedAt = performance.now();
    this.firstFrameDone = false;
    this.pendingInit = null;
    this.haveInit = false;
    this.watchFrames(); // the first frame of this connection is timed by a frame callback
    this.prepareMedia();
    const ws = new WebSocket(this.options.url);
    ws.binaryType = 'arraybuffer';
    ws.onmessage = (ev) => {
      if (this.ws === ws) this.onMessage(ev.data as ArrayBuffer | string);
    };
    ws.onclose = (ev) => {
      if (this.ws === ws) this.onClose(ev.code);
    };
    this.ws = ws;
  }

  private closeSocket(): void {
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000);
  }

  private onClose(code: number): void {
    this.ws = null;
    if (!this.active) return;
    if (code === LIVE_CLOSE.gone) {
      this.setState('gone');
      return;
    }
    this.setState('reconnecting');
    this.scheduleReconnect();
  }

  private scheduleReconnect(delayMs?: number): void {
    if (this.retryTimer || !this.active) return;
    const delay = delayMs ?? RETRY_MS[Math.min(this.attempt, RETRY_MS.length - 1)];
    this.attempt += 1;
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  /**
   * Start over from the server's init + latest GOP: this page fell behind,
   * the decoder is stuck, or the media element failed.
   *
   * - A media element with an error (a frame without a picture, which a
   *   camera that dropped mid-frame can leave in its stream; a damaged box)
   *   refuses every append until it loads a new source, so it gets a new
   *   MediaSource: the old one would fail the next run's first append, again
   *   and again (docs/live.md, "A media element that failed").
   * - The first re-sync since frames were shown is immediate; one that
   *   follows it without a frame between takes the reconnect backoff, so a
   *   run the page cannot play never turns into a reconnect loop.
   */
  private resync(): void {
    this.closeSocket();
    this.ops = [];
    this.queuedBytes = 0;
    if (this.mediaFailed()) {
      const error = this.video.error;
      this.mediaErrors += 1;
      this.lastMediaError = error ? `${error.code}: ${error.message}` : 'the media source ended on an error';
      this.detachMedia();
    }
    this.scheduleReconnect(this.attempt === 0 ? 0 : undefined);
  }

  /** The media element failed, or its MediaSource ended ('ended' comes before the element's error; this player never ends one). */
  private mediaFailed(): boolean {
    return this.video.error !== null || this.mediaSource?.readyState === 'ended';
  }

  private onMessage(data: ArrayBuffer | string): void {
    if (typeof data === 'string') {
      let message: LiveMessage;
      try {
        message = JSON.parse(data) as LiveMessage;
      } catch {
        return;
      }
      if (message.type === 'init') this.onInitMessage(message);
      else if (message.type === 'offline') {
        this.haveInit = false;
        this.setState('offline');
      }
      return;
    }
    this.lastDataAt = performance.now();
    if (this.pendingInit) {
      const description = this.pendingInit;
      this.pendingInit = null;
      this.useInit(description, data);
      return;
    }
    if (!this.haveInit) return; // media of a run whose init we could not use
    if (this.placeRun) {
      this.placeRun = false;
      const mediaStart = switchOn('__kwPlaceRun') ? fragmentStart(data, this.tracks) : null;
      if (mediaStart !== null) this.ops.push({ kind: 'place', mediaStart });
    }
    if (this.queuedBytes + data.byteLength > MAX_QUEUED_BYTES || this.ops.length >= MAX_QUEUED_OPS) {
      this.resync();
      return;
    }
    this.enqueue({ kind: 'append', data });
  }

  private onInitMessage(message: LiveInitMessage): void {
    if (typeof MediaSource === 'undefined' || !MediaSource.isTypeSupported(message.mimeType)) {
      // The server may not have known the codec yet; asking again lets it pick a
      // stream or a transcode this browser can play.
      this.unsupportedTries += 1;
      this.haveInit = false;
      this.closeSocket();
      if (this.unsupportedTries >= 3) this.setState('unsupported');
      this.scheduleReconnect(2000);
      return;
    }
    this.unsupportedTries = 0;
    this.pendingInit = message;
    this.callbacks.onStream?.(message);
  }

  // ---------------------------------------------------------------- media source

  private useInit(description: LiveInitMessage, init: ArrayBuffer): void {
    this.haveInit = true;
    this.tracks = trackTimes(init);
    this.placeRun = true;
    this.landed = false;
    this.framePtsMs = null; // a new run's timestamps
    this.phaseSamples = [];
    this.trough.reset();
    this.frames.reset();
    this.ops = [];
    this.queuedBytes = 0;
    // A media element that failed takes no more media from its MediaSource (resync()).
    if (this.mediaFailed()) this.detachMedia();
    const mediaSource = this.mediaSource;
    if (mediaSource && mediaSource.readyState !== 'closed' && this.mime === null) {
      // Prepared at connect (prepareMedia): the codec is known now.
      this.mime = description.mimeType;
      this.addSourceBuffer();
    } else if (!mediaSource || this.mime !== description.mimeType || mediaSource.readyState === 'closed') {
      this.attachMedia(description.mimeType);
    } else {
      this.ops.push({ kind: 'removeAll' });
    }
    this.enqueue({ kind: 'append', data: init });
  }

  /**
   * Attaches a MediaSource before the stream's codec is known. The media
   * element took 2–140 ms to open one (measured: its load runs on the
   * page's busy main thread); started at connect, that overlaps the
   * socket's handshake and the server's reply instead of following the init.
   */
  private prepareMedia(): void {
    if (this.mediaSource && this.mediaSource.readyState !== 'closed' && !this.mediaFailed()) return;
    this.attachMedia(null);
  }

  /** A new MediaSource on the video; its SourceBuffer is added once it is open and `mime` is known. */
  private attachMedia(mime: string | null): void {
    this.detachMedia();
    const mediaSource = new MediaSource();
    this.mediaSource = mediaSource;
    this.mime = mime;
    this.objectUrl = URL.createObjectURL(mediaSource);
    mediaSource.addEventListener(
      'sourceopen',
      () => {
        if (this.mediaSource === mediaSource) this.addSourceBuffer();
      },
      { once: true },
    );
    this.video.src = this.objectUrl;
  }

  private addSourceBuffer(): void {
    const mediaSource = this.mediaSource;
    if (!mediaSource || mediaSource.readyState !== 'open' || this.sourceBuffer || !this.mime) return;
    try {
      const sb = mediaSource.addSourceBuffer(this.mime);
      sb.mode = 'segments';
      // A live stream has no end. With a finite duration every append that goes past
      // it runs the duration change (a 'durationchange' event and the media element's
      // update) on the main thread: 120 a second in a 16-tile grid.
      setInfinite(mediaSource);
      sb.addEventListener('updateend', () => this.afterUpdate());
      sb.addEventListener('error', () => this.resync());
      this.sourceBuffer = sb;
      this.pump();
    } catch {
      this.setState('unsupported');
    }
  }

  private detachMedia(): void {
    this.sourceBuffer = null;
    this.mediaSource = null;
    this.mime = null;
    this.ops = [];
    this.queuedBytes = 0;
    if (this.objectUrl) {
      this.video.removeAttribute('src');
      this.video.load();
      URL.revokeObjectURL(this.objectUrl);
      this.objectUrl = null;
    }
  }

  private enqueue(op: Op): void {
    this.ops.push(op);
    if (op.kind === 'append') this.queuedBytes += op.data.byteLength;
    this.pump();
  }

  private pump(): void {
    const sb = this.sourceBuffer;
    if (!sb || sb.updating || this.mediaSource?.readyState !== 'open') return;
    while (this.ops.length) {
      let op = this.ops.shift()!;
      try {
        if (op.kind === 'append') {
          // Just before new media lands the lag is at its trough (what the edge policy
          // steers); without a sample at every frame, it is taken here.
          if (this.landed && !this.everyFrame()) this.sampleLag(rangesOf(sb.buffered));
          op = { kind: 'append', data: this.withQueuedAppends(op.data) };
          this.queuedBytes -= op.data.byteLength;
          sb.appendBuffer(op.data);
          return;
        }
        if (op.kind === 'place') {
          this.placeRunAtPlayHead(sb, op.mediaStart);
          continue;
        }
        const ranges = rangesOf(sb.buffered);
        if (!ranges.length) continue;
        const start = op.kind === 'removeAll' ? 0 : op.start;
        const end = op.kind === 'removeAll' ? ranges[ranges.length - 1][1] + 1 : op.end;
        if (end > start) {
          sb.remove(start, end);
          return;
        }
      } catch (err) {
        if ((err as DOMException)?.name === 'QuotaExceededError' && op.kind === 'append') {
          // Full: drop what is behind the play head and try the append again.
          this.ops.unshift(op);
          this.queuedBytes += op.data.byteLength;
          const behind = this.video.currentTime - 1;
          if (behind > 0) {
            try {
              sb.remove(0, behind);
              return;
            } catch {
              // fall through to a re-sync
            }
          }
        }
        this.resync();
        return;
      }
    }
  }

  /**
   * `first` joined with the appends queued right behind it (append-batch.ts):
   * one round trip instead of one per fragment. Not before the first frame is
   * on screen: the keyframe's fragment goes alone, so the picture does not
   * wait for the whole GOP to be parsed (measured: batching the join burst
   * made the first frame no sooner, and the main stream's often later).
   */
  private withQueuedAppends(first: ArrayBuffer): ArrayBuffer {
    if (!this.firstFrameDone) return first;
    const chunks = [first];
    for (const op of this.ops) {
      if (op.kind !== 'append') break;
      chunks.push(op.data);
    }
    const { data, taken } = takeBatch(chunks, MAX_APPEND_BYTES);
    this.ops.splice(0, taken - 1);
    return data;
  }

  /**
   * The run's media goes where the play head is, so its first frame plays
   * without a seek (media-time.ts). If the buffer still holds media, or the
   * offset cannot be set, the media keeps its own times and the live edge
   * seeks to it as before.
   */
  private placeRunAtPlayHead(sb: SourceBuffer, mediaStart: number): void {
    if (sb.buffered.length) return;
    try {
      sb.timestampOffset = this.video.currentTime - mediaStart;
    } catch {
      // not placed: decideEdge seeks
    }
  }

  private afterUpdate(): void {
    this.pump();
    this.tick();
  }

  // ---------------------------------------------------------------- live edge

  private tick(): void {
    if (!this.active) return;
    if (this.video.error && this.ws) {
      // Failed between appends (the next one would throw): start over on a new MediaSource.
      this.resync();
      return;
    }
    const now = performance.now();
    const sb = this.sourceBuffer;
    /** This tick's live-edge step, when it ran: the phase sampling below reuses it. */
    let edge: EdgeStep | null = null;
    if (sb && !sb.updating && this.mediaSource?.readyState === 'open') {
      const ranges = rangesOf(sb.buffered);
      const trough = this.sampleLag(ranges);
      const frameS = this.frames.seconds;
      const nudging = this.nudgeTimer !== null;
      // While nudged, the controller sees the rate it chose (1), not the nudge's.
      const currentRate = nudging ? 1 : this.video.playbackRate;
      const decision = decideEdge(ranges, this.video.currentTime, currentRate, trough ?? Infinity, frameS, this.edgePolicy(frameS));
      // The controller comes first: a jump or a catch-up ends the nudge (the phase is measured again after).
      if (nudging && (decision.seekTo !== null || decision.playbackRate !== 1)) this.endNudge();
      if (!this.landed && this.firstFrameDone && ranges.length && this.ops.length === 0 && decision.seekTo === null) {
        // Joining: the server sent the GOP since the latest keyframe. Its keyframe is on
        // screen now (a picture at once); move to the GOP's end, the live edge.
        this.landed = true;
        const [start, end] = ranges[ranges.length - 1];
        const landing = Math.max(start, end - Math.max(this.policy.landingLagS, frameS + this.policy.marginS));
        if (landing - this.video.currentTime > 0.1) decision.seekTo = landing;
      }
      if (decision.seekTo !== null) {
        this.landed = true;
        this.video.currentTime = decision.seekTo;
        this.trough.reset();
        this.frames.reset();
      }
      if (this.nudgeTimer === null && this.video.playbackRate !== decision.playbackRate) this.video.playbackRate = decision.playbackRate;
      if (decision.trimBefore !== null && decision.trimBefore > 0 && !this.ops.some((o) => o.kind !== 'append')) {
        this.enqueue({ kind: 'remove', start: 0, end: decision.trimBefore });
      }
      if (this.video.paused && sb.buffered.length) this.video.play().catch(() => undefined);
      edge = { trough, decision };
    }
    // Without a callback at every frame (a grid of many tiles, or a browser without
    // requestVideoFrameCallback), progress of currentTime stands in for frames.
    const everyFrame = this.everyFrame();
    if (!everyFrame && this.video.currentTime !== this.lastMediaTime) {
      this.lastMediaTime = this.video.currentTime;
      // With frame callbacks, the first frame of a connection is timed by one (watchFrames).
      if (this.haveInit && !this.video.paused && (this.firstFrameDone || !hasFrameCallbacks(this.video))) this.onFrame();
    }
    if (this.frameHandle === null && (everyFrame || now - this.lastBurstAt > FRAME_BURST_EVERY_MS)) {
      // A burst of consecutive frames tells the frame duration (FrameClock).
      this.lastBurstAt = now;
      this.burstLeft = FRAME_BURST;
      this.frames.reset();
      this.watchFrames();
    }
    this.samplePhase(now, edge);
    if (this.state === 'live' && now - this.lastFrameAt > STALL_MS) this.setState('stalled');
    if ((this.state === 'live' || this.state === 'stalled') && now - this.lastDataAt < 1000 && now - this.lastFrameAt > STUCK_MS) {
      this.lastFrameAt = now; // one re-sync per stuck period
      this.resync();
    }
  }

  /**
   * Follows presented frames with requestVideoFrameCallback: at every frame
   * while the cadence says so (cadence.ts), and otherwise until the first
   * frame of a connection is on screen and at the live edge, and for the
   * bursts the tick asks for.
   */
  private watchFrames(): void {
    if (!hasFrameCallbacks(this.video) || this.frameHandle !== null || !this.active) return;
    const loop = (_now: number, meta: VideoFrameCallbackMetadata) => {
      this.frameHandle = null;
      if (!this.active) return;
      this.frames.add(meta.mediaTime);
      this.onFrame();
      if (this.burstLeft > 0) this.burstLeft -= 1;
      this.framePtsMs = meta.mediaTime * 1000;
      this.vsyncAtMs = meta.expectedDisplayTime;
      if (this.everyFrame() || !this.firstFrameDone || !this.landed || this.burstLeft > 0) this.frameHandle = this.video.requestVideoFrameCallback(loop);
    };
    this.frameHandle = this.video.requestVideoFrameCallback(loop);
  }

  /** The edge policy: in a grid lining its frames up, with a dead band one frame wider (frame-phase.ts). */
  private edgePolicy(frameS: number): EdgePolicy {
    return this.aligning() ? alignedPolicy(this.policy, frameS) : this.policy;
  }

  private aligning(): boolean {
    return switchOn('__kwFramePhase') && !this.everyFrame() && hasFrameCallbacks(this.video);
  }

  /**
   * In a grid, samples the phase of this tile's frames and, every few ticks,
   * nudges the play head so that they are due together with the other tiles'
   * (frame-phase.ts). Only while the live-edge controller is content (normal
   * speed, no jump), with a shift that keeps the lag's trough in its band.
   */
  private samplePhase(now: number, edge: EdgeStep | null): void {
    const video = this.video;
    const steady =
      this.aligning() && this.landed && this.framePtsMs !== null && this.nudgeTimer === null && now - this.nudgeEndedAt > SETTLE_AFTER_NUDGE_MS && !video.paused && video.playbackRate === 1 && video.readyState >= 3;
    const vsync = steady ? displayVsync() : null;
    if (!steady || !edge || vsync === null) {
      this.phaseSamples = [];
      return;
    }
    const frameS = this.frames.seconds;
    const frameMs = frameS * 1000;
    this.phaseSamples.push(wallPhase(now, video.currentTime, this.framePtsMs!, frameMs));
    if (this.phaseSamples.length < PHASE_SAMPLES) return;
    const samples = this.phaseSamples;
    this.phaseSamples = [];
    const first = medianLateness(samples, samples[0], frameMs);
    if (first === null) return;
    const target = phaseTargets.targetFor(frameMs, phaseOf(slotMiddle(samples[0] + first, this.vsyncAtMs, vsync), frameMs));
    const late = medianLateness(samples, target, frameMs);
    // The live-edge step of this tick ran at normal speed (no nudge, rate 1): its verdict stands.
    const { trough, decision } = edge;
    if (late === null || trough === null) return;
    if (decision.seekTo !== null || decision.playbackRate !== 1) return;
    const nudge = chooseNudge(late, trough, frameMs, troughBand(this.policy, frameS));
    if (!nudge) return;
    video.playbackRate = nudge.playbackRate;
    this.nudgeTimer = setTimeout(() => {
      this.endNudge();
      if (this.active) video.playbackRate = 1;
    }, nudge.durationMs);
  }

  private endNudge(): void {
    if (this.nudgeTimer === null) return;
    clearTimeout(this.nudgeTimer);
    this.nudgeTimer = null;
    this.nudgeEndedAt = performance.now();
  }

  /** Records the current lag (newest buffered frame - play head); returns the recent trough. */
  private sampleLag(ranges: [number, number][]): number | null {
    if (!ranges.length) return null;
    return this.trough.add(performance.now(), Math.max(0, ranges[ranges.length - 1][1] - this.video.currentTime));
  }

  private onFrame(): void {
    if (!this.haveInit) return; // a frame from before a reset, not live
    // Sample the lag at every frame too: the saw tooth's trough is what the edge policy steers.
    const sb = this.sourceBuffer;
    if (sb && !sb.updating) this.sampleLag(rangesOf(sb.buffered));
    this.lastFrameAt = performance.now();
    if (!this.firstFrameDone) {
      this.firstFrameDone = true;
      this.hadFrames = true;
      this.attempt = 0;
      this.callbacks.onFirstFrame?.(Math.round(this.lastFrameAt - this.startedAt));
    }
    if (this.state !== 'live') this.setState('live');
  }

  private setState(state: PlayerState): void {
    if (this.state === state) return;
    this.state = state;
    this.callbacks.onState?.(state);
  }
}

/** requestVideoFrameCallback tells exactly when a frame reaches the screen (Chromium, Safari, Firefox 132+). */
function hasFrameCallbacks(video: HTMLVideoElement): boolean {
  return typeof (video as { requestVideoFrameCallback?: unknown }).requestVideoFrameCallback === 'function';
}

function setInfinite(mediaSource: MediaSource): void {
  try {
    mediaSource.duration = Infinity;
  } catch {
    // A browser that refuses it plays all the same, with a duration change per append.
  }
}

/** TimeRanges → plain pairs. */
function rangesOf(buffered: TimeRanges): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < buffered.length; i++) out.push([buffered.start(i), buffered.end(i)]);
  return out;
}
