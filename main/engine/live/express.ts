/**
 * Low-latency live view of a recorded stream: the "express" connection.
 *
 * A recorded stream reaches live viewers through the live tap, which reads
 * the segment file ffmpeg writes; its fragments are 250 ms long (shorter ones
 * cost the recording ffmpeg more CPU on every camera, watched or not), so a
 * frame waits up to a fragment before anyone can see it (docs/live.md).
 * A viewer that asks for low latency (the maximised view:
 * `/api/live/:id/main?latency=low`) makes the hub open a second, live-only
 * connection to the same camera stream, with one fragment per frame, for as
 * long as such a viewer watches (and `lingerMs` after). Recording never
 * depends on it.
 *
 * - The feed keeps serving the recorded stream until the express connection
 *   brings a keyframe; then it switches at that keyframe (a new run for the
 *   viewers: its init, then its media), so the picture never stops.
 * - Meanwhile the recorded stream's fragments are held back (not mixed into
 *   the feed); its init is remembered, so when the express connection ends
 *   (the camera refused a second client, the connection broke, nobody wants
 *   it any more) the feed switches back to the recorded stream at once.
 * - Keyed by (camera id, stream kind) like the feed it serves, and stopped
 *   with its camera (`forget`).
 */
import type { InitInfo } from '../mp4/init.ts';
import type { Fragment } from '../mp4/stream-reader.ts';
import type { StreamKind } from '../storage/store.ts';
import type { LiveSink } from '../recording/pipeline.ts';
import { isKeyframe, type LiveStream } from './live-stream.ts';

/** Opens and closes express connections (the recording supervisor). */
export interface ExpressControl {
  /**
   * Opens a live-only connection to this recorded camera stream that
   * publishes to `sink`. False when there is none to open (not a recorded
   * stream, the camera is off, or low-latency live view is turned off).
   */
  start(cameraId: number, kind: StreamKind, sink: LiveSink): boolean;
  stop(cameraId: number, kind: StreamKind): void;
}

interface Published {
  init: Buffer;
  info: InitInfo;
}

interface Express {
  cameraId: number;
  kind: StreamKind;
  /** Low-latency viewers attached. */
  viewers: number;
  linger: NodeJS.Timeout | null;
  /** The express connection's latest init, published at its next keyframe. */
  pending: Published | null;
  /** The feed carries the express connection's media. */
  active: boolean;
}

export interface ExpressStats {
  viewers: number;
  /** The feed carries the express connection's media (it has switched). */
  active: boolean;
  /** Times the feed switched to the express connection. */
  switches: number;
}

const keyOf = (cameraId: number, kind: StreamKind) => `${cameraId}/${kind}`;

export class ExpressFeeds {
  private readonly expresses = new Map<string, Express>();
  /** Each recorded stream's current init, to switch back to (kept for every feed: one small buffer each). */
  private readonly recorded = new Map<string, Published>();
  private readonly switches = new Map<string, number>();

  /** Where express connections publish (the recording supervisor's live-only recorder calls this). */
  readonly sink: LiveSink = {
    onInit: (cameraId, kind, init, info) => {
      const express = this.expresses.get(keyOf(cameraId, kind));
      if (express) express.pending = { init, info };
    },
    onFragment: (cameraId, kind, fragment) => this.expressFragment(keyOf(cameraId, kind), fragment),
    onEnd: (cameraId, kind) => {
      const express = this.expresses.get(keyOf(cameraId, kind));
      if (!express) return;
      express.pending = null;
      this.switchBack(express);
    },
  };

  constructor(
    private readonly control: ExpressControl,
    /** The feed of a camera stream, if it exists. */
    private readonly feedOf: (key: string) => LiveStream | undefined,
    private readonly lingerMs: number,
  ) {}

  // ---------------------------------------------------------------- the recorded stream (from the hub's LiveSink)

  /** The recorded stream published an init. True: the hub passes it on; false: held while the express feeds. */
  recordedInit(cameraId: number, kind: StreamKind, init: Buffer, info: InitInfo): boolean {
    const key = keyOf(cameraId, kind);
    this.recorded.set(key, { init, info });
    return !this.expresses.get(key)?.active;
  }

  /** True: the hub passes the recorded stream's fragment on. */
  recordedFragment(cameraId: number, kind: StreamKind): boolean {
    return !this.expresses.get(keyOf(cameraId, kind))?.active;
  }

  /** The recorded stream ended. True: the hub ends the feed (false: the express keeps it running). */
  recordedEnd(cameraId: number, kind: StreamKind): boolean {
    const key = keyOf(cameraId, kind);
    this.recorded.delete(key);
    return !this.expresses.get(key)?.active;
  }

  // ---------------------------------------------------------------- viewers

  /**
   * A low-latency viewer attached to this recorded stream's feed: opens the
   * express connection if it is not open. Returns the viewer's leave.
   */
  join(cameraId: number, kind: StreamKind): () => void {
    const key = keyOf(cameraId, kind);
    let express = this.expresses.get(key);
    if (!express) {
      express = { cameraId, kind, viewers: 0, linger: null, pending: null, active: false };
      this.expresses.set(key, express);
      let started = false;
      try {
        started = this.control.start(cameraId, kind, this.sink);
      } catch {
        started = false; // the recorder is stopping: the recorded stream serves
      }
      if (!started) {
        this.expresses.delete(key);
        return () => undefined;
      }
    }
    const joined = express;
    joined.viewers += 1;
    if (joined.linger) clearTimeout(joined.linger);
    joined.linger = null;
    let left = false;
    return () => {
      if (left || this.expresses.get(key) !== joined) return;
      left = true;
      joined.viewers -= 1;
      if (joined.viewers > 0) return;
      joined.linger = setTimeout(() => this.close(key), this.lingerMs);
      joined.linger.unref?.();
    };
  }

  /** The camera stream is gone (removed, switched off): close its express connection now. */
  forget(key: string): void {
    this.close(key);
    this.recorded.delete(key);
    this.switches.delete(key);
  }

  stopAll(): void {
    for (const key of [...this.expresses.keys()]) this.close(key);
  }

  stats(): Record<string, ExpressStats> {
    const out: Record<string, ExpressStats> = {};
    for (const [key, e] of this.expresses) out[key] = { viewers: e.viewers, active: e.active, switches: this.switches.get(key) ?? 0 };
    return out;
  }

  // ---------------------------------------------------------------- internals

  private expressFragment(key: string, fragment: Fragment): void {
    const express = this.expresses.get(key);
    const feed = this.feedOf(key);
    if (!express || !feed) return;
    if (express.pending) {
      // A new run of the express connection (first connect or reconnect):
      // switch at its first keyframe; what comes before cannot be decoded.
      if (!isKeyframe(fragment, express.pending.info)) return;
      const { init, info } = express.pending;
      express.pending = null;
      express.active = true;
      this.switches.set(key, (this.switches.get(key) ?? 0) + 1);
      feed.publishInit(init, info);
    }
    if (express.active) feed.publishFragment(fragment);
  }

  /** The feed goes back to the recorded stream (or ends, when that is not running). */
  private switchBack(express: Express): void {
    if (!express.active) return;
    express.active = false;
    const key = keyOf(express.cameraId, express.kind);
    const feed = this.feedOf(key);
    if (!feed) return;
    const recorded = this.recorded.get(key);
    if (recorded) feed.publishInit(recorded.init, recorded.info);
    else feed.publishEnd();
  }

  private close(key: string): void {
    const express = this.expresses.get(key);
    if (!express) return;
    if (express.linger) clearTimeout(express.linger);
    this.switchBack(express);
    this.expresses.delete(key);
    try {
      this.control.stop(express.cameraId, express.kind);
    } catch {
      // already stopped with its recorder
    }
  }
}
