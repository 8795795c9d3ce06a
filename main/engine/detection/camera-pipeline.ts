/**
 * One camera's detection, frame by frame:
 *
 *   frame → motion (sync, small grey picture) → motion events
 *         → regions around motion and tracked objects → object detector
 *           (async, shared, bounded: a busy detector drops, never queues)
 *         → tracker → object events (one per tracked object: its best score
 *           and box, the zones it entered), review activity, thumbnails.
 *
 * Never waits: a frame that arrives while this camera's previous detection is
 * still running is counted as dropped for objects (its motion is still
 * processed). Stops when told to (camera removed, disabled, detection off);
 * everything it opened is closed then.
 */
import type { DetectionConfig, ObjectLabel } from '../../../preload/contract/detection.ts';
import type { DetectionRuntime } from '../../../preload/contract/detection.ts';
import type { Logger } from '../log.ts';
import type { DetectionIndex, FullEventRecord } from '../storage/detection-index.ts';
import type { DetectionParts, FrameSourceHandle, MotionDetectorLike, ObjectDetectorLike, TrackerLike } from './parts.ts';
import type { ReviewKeeper } from './review-keeper.ts';
import type { Box, Detection, MotionFrameResult, RgbFrame, TrackedObject } from './types.ts';
import { isAlert, zonesOf } from './zones.ts';

export interface PipelineHooks {
  motion(active: boolean, at: number): void;
  /** Objects in view per label changed. */
  objects(counts: Record<string, number>): void;
  event(change: 'start' | 'update' | 'end', event: FullEventRecord): void;
  /** A review item got a (better) picture; `label` is the object on it, null for motion. */
  thumbnail(reviewId: number, jpeg: Buffer, label: ObjectLabel | null, at: number): void;
}

interface ObjectState {
  eventId: number;
  label: ObjectLabel;
  score: number;
  box: Box;
  zones: Set<string>;
  lastSeen: number;
  stationary: boolean;
}

const MOTION_SOURCE = 'keepwatch/motion';
/** A frame source that stopped (stream gone, decoder dropped) is started again after this long. */
const RETRY_MS = 5000;
/** How long the places where objects were last seen keep being looked at without motion. */
const RECHECK_MS = 2000;
/** A lost object that comes back (same label, same place) within this long continues its event. */
const REJOIN_MS = 5000;
const OBJECT_SOURCE = 'keepwatch/object';
/**
 * With `stillDecoding: 'keyframes'`, every frame is decoded while something
 * moves or is followed, and this long after (then keyframes only, until
 * motion shows on one again). Not while a motion event merely waits for its
 * end (`quietMs` without motion): the keyframes still see motion that
 * resumes, and the end is backdated to the last moving frame either way.
 */
const AWAKE_AFTER_MS = 1000;

export class CameraPipeline {
  private source: FrameSourceHandle | null = null;
  private motion: MotionDetectorLike | null = null;
  private motionSize = '';
  private readonly tracker: TrackerLike;
  private tracked: TrackedObject[] = [];
  private motionEventId: number | null = null;
  private lastMotionAt = 0;
  private readonly objects = new Map<number, ObjectState>();
  private counts: Record<string, number> = {};
  private detecting = false;
  private recheck: { boxes: Box[]; until: number } | null = null;
  /** Objects whose track ended a moment ago (see rejoin). */
  private lately: { state: ObjectState; endedAt: number }[] = [];
  private retry: NodeJS.Timeout | null = null;
  private thumbnailBusy = false;
  private thumbnailNext: { frame: RgbFrame; score: number | null; label: ObjectLabel | null } | null = null;
  private stopped = false;
  private readonly stats = { framesProcessed: 0, framesDropped: 0, inferences: 0, inferencesDropped: 0 };
  private state: DetectionRuntime['state'] = 'starting';
  private lastError: string | null = null;

  constructor(
    readonly cameraId: number,
    readonly config: DetectionConfig,
    private readonly parts: DetectionParts,
    /** The shared object detector; null while it loads, or when there is none. */
    private readonly detector: () => ObjectDetectorLike | null,
    private readonly index: DetectionIndex,
    private readonly review: ReviewKeeper,
    private readonly hooks: PipelineHooks,
    private readonly log: Logger,
  ) {
    this.tracker = parts.createTracker();
  }

  start(): void {
    if (this.stopped) return;
    try {
      this.source = this.parts.startFrameSource({
        cameraId: this.cameraId,
        fps: this.config.fps,
        keyframesWhenStill: this.config.stillDecoding === 'keyframes',
        onFrame: (frame) => this.onFrame(frame),
        onRestart: (reason) => this.motion?.reset?.(reason),
        onError: (message) => this.failed(message),
      });
    } catch (err) {
      this.failed((err as Error).message);
    }
  }

  /** The frame source stopped or could not start: say so, and try again in a while (until stopped). */
  private failed(message: string): void {
    this.state = 'error';
    this.lastError = message;
    this.source?.close();
    this.source = null;
    if (this.stopped || this.retry) return;
    this.log.warn(`camera ${this.cameraId}: detection paused: ${message}; retrying in ${RETRY_MS / 1000} s`);
    this.retry = setTimeout(() => {
      this.retry = null;
      this.start();
    }, RETRY_MS);
    this.retry.unref?.();
  }

  /** The camera said its whole picture changed (an ONVIF scene-change/tamper event, e.g. an IR switch): relearn the background. */
  resetMotion(reason: string): void {
    this.motion?.reset?.(reason);
  }

  /** Stops the frame source and ends whatever is open (at `at`). */
  stop(at: number): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    this.source?.close();
    this.source = null;
    const t = this.motion?.finish?.() ?? null;
    if (this.motionEventId !== null) this.endMotion(t?.type === 'end' ? t.at : Math.min(at, this.lastMotionAt || at));
    for (const id of [...this.objects.keys()]) this.endObject(id);
    this.publishCounts([]);
  }

  runtime(): DetectionRuntime {
    const sourceDropped = this.source?.dropped?.() ?? 0;
    return {
      state: this.stopped ? 'off' : this.state,
      framesProcessed: this.stats.framesProcessed,
      framesDropped: this.stats.framesDropped + sourceDropped,
      fragmentsSkipped: this.source?.skipped?.() ?? 0,
      decoding: this.source ? (this.source.decoding?.() ?? 'every-frame') : null,
      inferences: this.stats.inferences,
      inferencesDropped: this.stats.inferencesDropped,
      motion: this.motionEventId !== null,
      objects: { ...this.counts },
      lastError: this.lastError,
    };
  }

  // ---------------------------------------------------------------- frames

  onFrame(frame: RgbFrame): void {
    if (this.stopped) return;
    try {
      this.process(frame);
    } catch (err) {
      // Never into the frame source's stream handler: one bad frame must not take the engine down.
      this.state = 'error';
      this.lastError = `detection failed: ${(err as Error).message}`;
      this.log.warn(`camera ${this.cameraId}: ${this.lastError}`);
    }
  }

  private process(frame: RgbFrame): void {
    this.stats.framesProcessed++;
    if (this.state !== 'running') {
      this.state = 'running';
      this.lastError = null;
    }
    const size = `${frame.width}x${frame.height}`;
    if (!this.motion || size !== this.motionSize) {
      this.motion = this.parts.createMotionDetector(this.config, { width: frame.width, height: frame.height });
      this.motionSize = size;
    }
    let m: MotionFrameResult;
    try {
      m = this.motion.process(frame);
    } catch (err) {
      this.state = 'error';
      this.lastError = `motion detection failed: ${(err as Error).message}`;
      return;
    }
    this.onMotion(m, frame);
    this.maybeDetectObjects(m, frame);
    if (this.busy(m)) this.source?.stayAwake?.(AWAKE_AFTER_MS);
  }

  /** Something moves, or objects are followed or looked at: every frame is wanted. */
  private busy(m: MotionFrameResult): boolean {
    return (
      m.boxes.length > 0 ||
      this.detecting ||
      this.tracked.some((t) => !t.stationary) ||
      (this.recheck !== null && m.at <= this.recheck.until)
    );
  }

  private onMotion(m: MotionFrameResult, frame: RgbFrame): void {
    const t = m.transition;
    if (m.boxes.length && !m.reset) this.lastMotionAt = m.at;
    if (this.motionEventId === null && (t?.type === 'start' || m.active)) {
      const start = t?.type === 'start' ? t.at : m.at;
      this.lastMotionAt = Math.max(this.lastMotionAt, m.at);
      this.motionEventId = this.index.insertEvent({ cameraId: this.cameraId, kind: 'motion', start, source: MOTION_SOURCE });
      this.review.activity('motion', start, { eventId: this.motionEventId });
      this.hooks.motion(true, start);
      this.emitEvent('start', this.motionEventId);
      this.thumbnail(frame, null, null);
    } else if (this.motionEventId !== null && (t?.type === 'end' || !m.active)) {
      this.endMotion(t?.type === 'end' ? t.at : m.at);
    }
  }

  private endMotion(end: number): void {
    const id = this.motionEventId!;
    this.motionEventId = null;
    this.index.endEvent(id, end);
    this.review.end('motion', end);
    this.hooks.motion(false, end);
    this.emitEvent('end', id);
  }

  private maybeDetectObjects(m: MotionFrameResult, frame: RgbFrame): void {
    const detector = this.config.objects ? this.detector() : null;
    if (!detector) return;
    // Where objects were just seen is looked at again for a moment even without motion: someone who
    // steps into view and stands still moves for a frame or two, and the tracker needs a second look.
    const recheck = this.recheck && m.at <= this.recheck.until ? this.recheck.boxes : [];
    const moving = m.reset ? [] : [...m.boxes, ...recheck];
    const following = this.tracked.some((t) => !t.stationary);
    if (!moving.length && !following) return;
    if (this.detecting) {
      // This camera's previous frame is still with the detector: skip, never queue.
      this.stats.framesDropped++;
      return;
    }
    const trackedBoxes = this.tracked.map((t) => t.box);
    const regions = this.parts.buildRegions(moving, trackedBoxes, { width: frame.width, height: frame.height }, detector.inputSize);
    if (!regions.length) return;
    this.detecting = true;
    // The detector works after this call returns; the source may reuse its buffer.
    const copy: RgbFrame = { ...frame, data: frame.data.slice() };
    detector.detect(copy, regions).then(
      (detections) => {
        this.detecting = false;
        if (this.stopped) return;
        if (detections === null) {
          this.stats.framesDropped++;
          this.stats.inferencesDropped++;
          return;
        }
        this.stats.inferences++;
        try {
          this.onDetections(copy, detections, regions);
        } catch (err) {
          this.lastError = `object events failed: ${(err as Error).message}`;
          this.log.warn(`camera ${this.cameraId}: ${this.lastError}`);
        }
      },
      (err: Error) => {
        this.detecting = false;
        this.lastError = `object detection failed: ${err.message}`;
      },
    );
  }

  // ---------------------------------------------------------------- objects

  private onDetections(frame: RgbFrame, detections: Detection[], searched: Box[]): void {
    const wanted = detections.filter((d) => this.config.labels.includes(d.label));
    const tracks = this.tracker.update(wanted, frame.at, searched).objects;
    this.tracked = tracks;
    // Look again where something new was seen; not where a parked car stands (that would never end).
    const still = tracks.filter((t) => t.stationary).map((t) => t.box);
    const fresh = wanted.filter((d) => !still.some((b) => overlap(b, d.box) > 0.5));
    if (fresh.length) this.recheck = { boxes: fresh.map((d) => d.box), until: frame.at + RECHECK_MS };
    const seen = new Set<number>();
    for (const t of tracks) {
      if (!this.config.labels.includes(t.label)) continue;
      seen.add(t.id);
      t.zones = zonesOf(t.label, t.box, this.config.zones);
      this.onTrack(t, frame);
    }
    for (const id of [...this.objects.keys()]) if (!seen.has(id)) this.endObject(id);
    this.publishCounts(tracks.filter((t) => seen.has(t.id)));
  }

  private onTrack(t: TrackedObject, frame: RgbFrame): void {
    const hasZones = this.config.zones.length > 0;
    const alert = isAlert(t.label, t.zones, this.config.alertLabels, hasZones);
    const o = this.objects.get(t.id);
    if (!o && this.rejoin(t, frame)) return;
    if (!o) {
      // A new object, or one that moves again after standing still: a new event.
      const eventId = this.index.insertEvent({
        cameraId: this.cameraId,
        kind: 'object',
        start: Math.min(t.firstSeen, frame.at),
        source: OBJECT_SOURCE,
        label: t.label,
        score: t.score,
        box: t.box,
        zones: t.zones,
      });
      this.objects.set(t.id, { eventId, label: t.label, score: t.score, box: t.box, zones: new Set(t.zones), lastSeen: t.lastSeen, stationary: t.stationary });
      this.review.activity(`object:${t.id}`, frame.at, { eventId, label: t.label, zones: t.zones, alert }, !t.stationary);
      this.emitEvent('start', eventId);
      this.thumbnail(frame, t.score, t.label);
      if (t.stationary) this.endObject(t.id, true);
      return;
    }
    o.lastSeen = t.lastSeen;
    o.box = t.box;
    if (o.stationary) {
      if (t.stationary) return; // a parked car: reported once
      this.objects.delete(t.id);
      this.onTrack(t, frame);
      return;
    }
    const newZones = t.zones.filter((z) => !o.zones.has(z));
    const better = t.score > o.score + 0.02;
    if (newZones.length || better) {
      for (const z of newZones) o.zones.add(z);
      o.score = Math.max(o.score, t.score);
      const current = this.index.getEvent(o.eventId);
      this.index.updateObjectEvent(o.eventId, { score: o.score, box: better ? t.box : (current?.box ?? t.box), zones: [...o.zones] });
      this.emitEvent('update', o.eventId);
    }
    this.review.activity(`object:${t.id}`, frame.at, { label: t.label, zones: newZones, alert });
    // The item's picture: the first sighting may have found the slot busy (motion's picture being written).
    this.thumbnail(frame, t.score, t.label);
    if (t.stationary) this.endObject(t.id, true);
  }

  /**
   * A "new" track where one of the same label was lost a moment ago (a
   * detection near the model's threshold flickers, or the object was hidden
   * for a second) continues that object's event instead of starting another:
   * one person, one event.
   */
  private rejoin(t: TrackedObject, frame: RgbFrame): boolean {
    this.lately = this.lately.filter((l) => frame.at - l.endedAt <= REJOIN_MS);
    const i = this.lately.findIndex((l) => l.state.label === t.label && overlap(l.state.box, t.box) > 0.3);
    if (i < 0) return false;
    const [{ state }] = this.lately.splice(i, 1);
    this.index.reopenEvent(state.eventId);
    this.emitEvent('update', state.eventId);
    this.objects.set(t.id, { ...state, zones: new Set(state.zones), lastSeen: t.lastSeen, box: t.box, stationary: false });
    this.review.activity(`object:${t.id}`, frame.at, { eventId: state.eventId, label: t.label, zones: t.zones });
    this.onTrack(t, frame);
    return true;
  }

  /** The track ended, or (`stoppedMoving`) the object stands still: its event ends, and a still object is not reported again. */
  private endObject(trackId: number, stoppedMoving = false): void {
    const o = this.objects.get(trackId);
    if (!o) return;
    const alreadyEnded = o.stationary;
    if (stoppedMoving) o.stationary = true;
    else this.objects.delete(trackId);
    if (alreadyEnded) return;
    if (!stoppedMoving) this.lately.push({ state: o, endedAt: o.lastSeen });
    this.index.endEvent(o.eventId, o.lastSeen);
    this.review.end(`object:${trackId}`, o.lastSeen);
    this.emitEvent('end', o.eventId);
  }

  private publishCounts(tracks: TrackedObject[]): void {
    const counts: Record<string, number> = {};
    for (const t of tracks) counts[t.label] = (counts[t.label] ?? 0) + 1;
    const same = Object.keys(counts).length === Object.keys(this.counts).length && Object.entries(counts).every(([k, v]) => this.counts[k] === v);
    if (same) return;
    // Labels that dropped to zero are published as 0 (Home Assistant sensors go back to 0).
    const out: Record<string, number> = {};
    for (const k of Object.keys(this.counts)) out[k] = 0;
    Object.assign(out, counts);
    this.counts = counts;
    this.hooks.objects(out);
  }

  private emitEvent(change: 'start' | 'update' | 'end', id: number): void {
    const e = this.index.getEvent(id);
    if (e) this.hooks.event(change, e);
  }

  /**
   * Makes this frame the open review item's picture when it is the first or a
   * clearly better one. One JPEG at a time per camera: a better frame that
   * comes while one is being written waits (only the best waiting one).
   */
  private thumbnail(frame: RgbFrame, score: number | null, label: ObjectLabel | null): void {
    if (this.stopped || !this.review.wouldImprove(score)) return;
    if (this.thumbnailBusy) {
      if (!this.thumbnailNext || (score ?? -1) > (this.thumbnailNext.score ?? -1)) {
        this.thumbnailNext = { frame: { ...frame, data: frame.data.slice() }, score, label };
      }
      return;
    }
    const claim = this.review.claimThumbnail(score);
    if (!claim) return;
    this.thumbnailBusy = true;
    const copy: RgbFrame = { ...frame, data: frame.data.slice() };
    void this.parts
      .encodeJpeg(copy)
      .then(async (jpeg) => {
        const stored = await this.index.saveReviewThumbnail({ id: claim.id, cameraId: this.cameraId }, jpeg, frame.at, score, claim.seq);
        this.review.thumbnailDone(claim.id, stored, score);
        if (stored && !this.stopped) this.hooks.thumbnail(claim.id, jpeg, label, frame.at);
      })
      .catch((err: Error) => {
        this.review.thumbnailDone(claim.id, false, score);
        this.log.warn(`camera ${this.cameraId}: review thumbnail failed: ${err.message}`);
      })
      .finally(() => {
        this.thumbnailBusy = false;
        const next = this.thumbnailNext;
        this.thumbnailNext = null;
        if (next) this.thumbnail(next.frame, next.score, next.label);
      });
  }
}

/** Intersection over union of two boxes. */
function overlap(a: Box, b: Box): number {
  const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  return (w * h) / (a.w * a.h + b.w * b.h - w * h);
}
