/**
 * Detection wired into the engine (docs/detection.md): per camera with
 * detection on (and the camera enabled), one CameraPipeline fed by a frame
 * source on the camera's live feed; events and review items into storage;
 * ONVIF events grouped into the same review items; everything announced to
 * listeners (MQTT, desktop notifications) as events of this emitter:
 *
 *   'motion'  (cameraId, active, at)
 *   'objects' (cameraId, counts per label)
 *   'event'   (change, CameraEventRecord)
 *   'review'  (change: 'start'|'update'|'end', ReviewItem)
 *   'alert'   (DetectionAlert)                 an item became an alert
 *   'snapshot'(cameraId, label|null, jpeg, at) a review item's new picture
 *
 * Identity: everything keyed by a camera goes with it. cameraRemoved() stops
 * its pipeline before the row is deleted (its configs, events, review items
 * and JPEGs then go by cascade); cameraChanged() follows enable/disable.
 */
import { EventEmitter } from 'node:events';
import type { z } from 'zod';
import {
  DetectionConfig,
  defaultDetectionConfig,
  type CameraDetection,
  type DetectionRuntime,
  type ReviewItem,
  type ReviewQuery,
} from '../../../preload/contract/detection.ts';
import type { CameraEventRecord, EventsQuery } from '../../../preload/contract/onvif.ts';
import type { Clock, TimerHandle } from '../clock.ts';
import { notFound } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { FullEventRecord, ReviewRecord } from '../storage/detection-index.ts';
import type { Store } from '../storage/store.ts';
import type { ServedFile } from '../storage/segment-files.ts';
import { CameraPipeline } from './camera-pipeline.ts';
import type { DetectionParts, ObjectDetectorLike } from './parts.ts';
import { DEFAULT_REVIEW_POLICY, type ReviewPolicy } from './review.ts';
import { ReviewKeeper } from './review-keeper.ts';

export interface DetectionAlert {
  item: ReviewItem;
  camera: { id: number; name: string };
  /** The item's picture (JPEG), when one could be made in time. */
  jpeg: Buffer | null;
  /** The user asked for desktop notifications of this camera. */
  notify: boolean;
}

export interface DetectionServiceOptions {
  review?: Partial<ReviewPolicy>;
  /**
   * How often, while a review item or an ONVIF event is open, items are
   * closed and ONVIF events picked up (default 1000 ms). With nothing open the
   * service sleeps until an event or an item wakes it (or the hourly prune).
   */
  tickMs?: number;
  /** How long an alert waits for its picture before it goes out without (default 3000 ms). */
  alertPictureWaitMs?: number;
}

export interface DetectionServiceDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  /** null: this engine has no live feed to decode (detection stays off; ONVIF events are still grouped). */
  parts: DetectionParts | null;
}

const DEFAULT_EVENTS_LIMIT = 1000;
const DEFAULT_REVIEW_LIMIT = 500;
const PRUNE_EVERY_MS = 3600_000;

type EventsInput = z.output<typeof EventsQuery>;
type ReviewInput = z.output<typeof ReviewQuery>;

const OFF_RUNTIME: DetectionRuntime = {
  state: 'off',
  framesProcessed: 0,
  framesDropped: 0,
  fragmentsSkipped: 0,
  decoding: null,
  inferences: 0,
  inferencesDropped: 0,
  motion: false,
  objects: {},
  lastError: null,
};

export class DetectionService extends EventEmitter {
  private readonly pipelines = new Map<number, CameraPipeline>();
  /** The camera's streams when its pipeline started (kinds and URLs). */
  private readonly pipelineStreams = new Map<number, string>();
  private readonly keepers = new Map<number, ReviewKeeper>();
  /** Open ONVIF events being followed: event id → camera id. */
  private readonly openOnvif = new Map<number, number>();
  private readonly pendingAlerts = new Map<number, { alert: DetectionAlert; timer: TimerHandle }>();
  /** The latest picture of each open review item (an alert that cannot wait for a better one takes it). */
  private readonly latestPicture = new Map<number, Buffer>();
  /** undefined: not asked for yet; a promise while loading; null when there is no model. */
  private detector: ObjectDetectorLike | null | undefined;
  private detectorLoading: Promise<void> | null = null;
  private lastOnvifId = 0;
  private timer: TimerHandle | null = null;
  /** When the pending tick runs (clock ms). */
  private timerDue = 0;
  private unwatchOnvif: (() => void) | null = null;
  private lastPrune = 0;
  private running = false;
  private readonly policy: ReviewPolicy;

  constructor(
    private readonly deps: DetectionServiceDeps,
    private readonly options: DetectionServiceOptions = {},
  ) {
    super();
    this.setMaxListeners(50);
    this.policy = { ...DEFAULT_REVIEW_POLICY, ...options.review };
  }

  private get index() {
    return this.deps.store.detection;
  }

  // ---------------------------------------------------------------- lifecycle

  start(): void {
    if (this.running) return;
    this.running = true;
    for (const camera of this.deps.store.listCameras()) {
      // Left open by a crash: their end is unknown.
      this.index.closeDanglingEvents(camera.id);
      this.index.closeDanglingReviews(camera.id);
    }
    this.lastOnvifId = this.index.lastEventId();
    void this.index.sweepOrphanPictures().then(
      (n) => n && this.deps.log.info(`removed ${n} review picture(s) left over by a crash`),
      (err: Error) => this.deps.log.warn(`could not sweep review pictures: ${err.message}`),
    );
    for (const camera of this.deps.store.listCameras()) this.sync(camera.id);
    this.lastPrune = this.deps.clock.now();
    this.unwatchOnvif = this.deps.store.onvif.watchEvents(() => this.wake());
    this.schedule();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.unwatchOnvif?.();
    this.unwatchOnvif = null;
    this.deps.clock.clearTimeout(this.timer);
    this.timer = null;
    const now = this.deps.clock.now();
    for (const id of [...this.pipelines.keys()]) this.stopPipeline(id, now);
    for (const keeper of this.keepers.values()) keeper.closeAll(now);
    for (const { alert, timer } of this.pendingAlerts.values()) {
      this.deps.clock.clearTimeout(timer);
      this.emit('alert', alert);
    }
    this.pendingAlerts.clear();
    await this.detectorLoading;
    await this.detector?.close();
    this.detector = undefined;
    this.detectorLoading = null;
  }

  /** After a camera was added or edited (enabled, streams): start or stop its detection. */
  cameraChanged(cameraId: number): void {
    this.sync(cameraId);
  }

  /** Before a camera is removed: stop everything of it (its rows then go by cascade). */
  cameraRemoved(cameraId: number): void {
    const now = this.deps.clock.now();
    this.stopPipeline(cameraId, now);
    this.keepers.get(cameraId)?.closeAll(now);
    this.keepers.delete(cameraId);
    for (const id of [...this.latestPicture.keys()]) if (this.index.getReview(id) === null) this.latestPicture.delete(id);
    for (const [eventId, cam] of this.openOnvif) if (cam === cameraId) this.openOnvif.delete(eventId);
    for (const [itemId, pending] of this.pendingAlerts) {
      if (pending.alert.camera.id !== cameraId) continue;
      this.deps.clock.clearTimeout(pending.timer);
      this.pendingAlerts.delete(itemId);
    }
  }

  // ---------------------------------------------------------------- API

  getDetection(cameraId: number): CameraDetection {
    this.requireCamera(cameraId);
    return {
      cameraId,
      config: this.config(cameraId),
      runtime: this.runtime(cameraId),
      objectsAvailable: this.deps.parts !== null && this.detector !== null,
    };
  }

  setDetection(cameraId: number, config: DetectionConfig): CameraDetection {
    this.requireCamera(cameraId);
    this.index.setConfig(cameraId, config);
    this.sync(cameraId);
    return this.getDetection(cameraId);
  }

  /** The camera's config; a missing or damaged one reads as the defaults (off). */
  config(cameraId: number): DetectionConfig {
    const stored = this.index.getConfig(cameraId);
    if (stored === null) return defaultDetectionConfig();
    const parsed = DetectionConfig.safeParse(stored);
    if (parsed.success) return parsed.data;
    this.deps.log.warn(`camera ${cameraId}: stored detection config is unreadable; detection stays off`);
    return defaultDetectionConfig();
  }

  runtime(cameraId: number): DetectionRuntime {
    return this.pipelines.get(cameraId)?.runtime() ?? { ...OFF_RUNTIME, objects: {} };
  }

  /** `cameras`: only these (a viewer's, from the access check); null = every camera. */
  listEvents(query: EventsInput, cameras: readonly number[] | null = null): CameraEventRecord[] {
    if (query.camera !== undefined) this.requireCamera(query.camera);
    return this.index
      .queryEvents({
        cameraId: query.camera ?? null,
        cameraIds: cameras,
        from: query.from,
        to: query.to,
        limit: query.limit ?? DEFAULT_EVENTS_LIMIT,
        kind: query.kind,
        label: query.label,
      })
      .map(eventOut);
  }

  /** `cameras`: only these (a viewer's, from the access check); null = every camera. */
  listReview(query: ReviewInput, cameras: readonly number[] | null = null): ReviewItem[] {
    if (query.camera !== undefined) this.requireCamera(query.camera);
    return this.index
      .queryReview({
        from: query.from,
        to: query.to,
        cameraId: query.camera,
        cameraIds: cameras,
        label: query.label,
        zone: query.zone,
        severity: query.severity,
        reviewed: query.reviewed,
        limit: query.limit ?? DEFAULT_REVIEW_LIMIT,
      })
      .map((r) => this.reviewOut(r));
  }

  getReviewItem(id: number): ReviewItem {
    const item = this.index.getReview(id);
    if (!item) throw notFound(`no review item with id ${id}`);
    return this.reviewOut(item);
  }

  setReviewed(id: number, reviewed: boolean): ReviewItem {
    if (!this.index.setReviewed(id, reviewed)) throw notFound(`no review item with id ${id}`);
    const item = this.getReviewItem(id);
    this.emit('review', 'update', item);
    return item;
  }

  async reviewThumbnail(id: number): Promise<ServedFile> {
    const file = await this.index.reviewThumbnail(id);
    if (!file) throw notFound(this.index.getReview(id) ? `review item ${id} has no picture` : `no review item with id ${id}`);
    return file;
  }

  /** Per camera, for getStatus. */
  statusOf(cameraId: number): DetectionRuntime {
    return this.runtime(cameraId);
  }

  // ---------------------------------------------------------------- internals

  private requireCamera(cameraId: number): void {
    if (!this.deps.store.getCamera(cameraId)) throw notFound(`no camera with id ${cameraId}`);
  }

  private sync(cameraId: number): void {
    if (!this.running) return;
    const camera = this.deps.store.getCamera(cameraId);
    if (!camera) {
      this.cameraRemoved(cameraId);
      return;
    }
    const config = this.config(cameraId);
    const want = camera.enabled && config.enabled && this.deps.parts !== null;
    const current = this.pipelines.get(cameraId);
    // A new config, or other streams (a sub stream added: decode that one instead), restart it.
    const streams = this.streamsKey(cameraId);
    const changed = current && (JSON.stringify(current.config) !== JSON.stringify(config) || this.pipelineStreams.get(cameraId) !== streams);
    if (current && (!want || changed)) this.stopPipeline(cameraId, this.deps.clock.now());
    if (!want || this.pipelines.has(cameraId)) return;
    const parts = this.deps.parts!;
    const log = this.deps.log;
    const pipeline = new CameraPipeline(
      cameraId,
      config,
      parts,
      () => this.objectDetector(),
      this.index,
      this.keeper(cameraId),
      {
        motion: (active, at) => this.emit('motion', cameraId, active, at),
        objects: (counts) => this.emit('objects', cameraId, counts),
        event: (change, e) => this.emit('event', change, eventOut(e)),
        thumbnail: (reviewId, jpeg, label, at) => {
          if (this.index.getReview(reviewId)?.end === null) this.latestPicture.set(reviewId, jpeg);
          this.emit('snapshot', cameraId, label, jpeg, at);
          this.flushAlert(reviewId, jpeg);
        },
      },
      log.child(`camera ${cameraId}`),
    );
    this.pipelines.set(cameraId, pipeline);
    this.pipelineStreams.set(cameraId, streams);
    pipeline.start();
    log.info(`camera ${cameraId}: detection on (${config.fps} fps${config.objects ? ', objects' : ''})`);
  }

  private streamsKey(cameraId: number): string {
    return JSON.stringify(this.deps.store.listStreams(cameraId).map((s) => [s.kind, s.url]));
  }

  private stopPipeline(cameraId: number, at: number): void {
    const pipeline = this.pipelines.get(cameraId);
    if (!pipeline) return;
    this.pipelines.delete(cameraId);
    this.pipelineStreams.delete(cameraId);
    pipeline.stop(at);
    this.deps.log.info(`camera ${cameraId}: detection off`);
  }

  /** The one object detector, loaded on first need (off the event loop); null while loading or when there is no model. */
  private objectDetector(): ObjectDetectorLike | null {
    if (this.detector !== undefined) return this.detector;
    if (!this.detectorLoading && this.deps.parts) {
      this.detectorLoading = this.deps.parts.createObjectDetector().then(
        (detector) => {
          if (this.running) this.detector = detector;
          else void detector.close();
        },
        (err: Error) => {
          this.deps.log.warn(`object detection is unavailable (motion still works): ${err.message}`);
          this.detector = null;
        },
      );
    }
    return null;
  }

  private keeper(cameraId: number): ReviewKeeper {
    let keeper = this.keepers.get(cameraId);
    if (!keeper) {
      keeper = new ReviewKeeper(
        cameraId,
        this.index,
        {
          opened: (item) => {
            this.wake(); // it closes after its quiet gap: the ticks resume
            this.emit('review', 'start', this.reviewOut(item));
          },
          changed: (item) => this.emit('review', 'update', this.reviewOut(item)),
          alerted: (item) => this.queueAlert(item),
          closed: (item) => {
            this.latestPicture.delete(item.id);
            this.emit('review', 'end', this.reviewOut(item));
          },
        },
        this.policy,
      );
      this.keepers.set(cameraId, keeper);
    }
    return keeper;
  }

  /** An alert goes out with its picture: when the picture is stored, or after a short wait without it. */
  private queueAlert(item: ReviewRecord): void {
    const camera = this.deps.store.getCamera(item.cameraId);
    if (!camera) return;
    const alert: DetectionAlert = {
      item: this.reviewOut(item),
      camera: { id: camera.id, name: camera.name },
      jpeg: null,
      notify: this.config(item.cameraId).notify,
    };
    const timer = this.deps.clock.setTimeout(() => this.flushAlert(item.id, this.latestPicture.get(item.id) ?? null), this.options.alertPictureWaitMs ?? 3000);
    this.pendingAlerts.set(item.id, { alert, timer });
  }

  private flushAlert(reviewId: number, jpeg: Buffer | null): void {
    const pending = this.pendingAlerts.get(reviewId);
    if (!pending) return;
    this.pendingAlerts.delete(reviewId);
    this.deps.clock.clearTimeout(pending.timer);
    const item = this.index.getReview(reviewId);
    this.emit('alert', { ...pending.alert, item: item ? this.reviewOut(item) : pending.alert.item, jpeg });
  }

  /**
   * The next tick: in a second while something is open (an item to close
   * after its quiet gap, an ONVIF event to follow to its end), else at the
   * hourly prune. An idle engine does not wake for detection every second.
   */
  private schedule(soon = false): void {
    if (!this.running) return;
    const now = this.deps.clock.now();
    const tickMs = this.options.tickMs ?? 1000;
    const delay = soon || this.somethingOpen() ? tickMs : Math.max(tickMs, this.lastPrune + PRUNE_EVERY_MS - now);
    this.deps.clock.clearTimeout(this.timer);
    this.timerDue = now + delay;
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = null;
      try {
        this.tick();
      } catch (err) {
        this.deps.log.error(`detection housekeeping failed: ${(err as Error).message}`);
      }
      this.schedule();
    }, delay);
  }

  /** An ONVIF event was written or an item opened: tick within tickMs (a tick already due sooner stays). */
  private wake(): void {
    if (!this.running || (this.timer && this.timerDue - this.deps.clock.now() <= (this.options.tickMs ?? 1000))) return;
    this.schedule(true);
  }

  private somethingOpen(): boolean {
    if (this.openOnvif.size > 0) return true;
    for (const keeper of this.keepers.values()) if (keeper.currentId !== null) return true;
    return false;
  }

  /** Closes quiet review items, groups new ONVIF events, prunes what lost its footage. Exposed for tests. */
  tick(): void {
    const now = this.deps.clock.now();
    this.followOnvif();
    for (const keeper of this.keepers.values()) keeper.tick(now);
    if (now - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = now;
      this.prune();
    }
  }

  /** ONVIF events (written by the ONVIF service) join the camera's review items. */
  private followOnvif(): void {
    for (;;) {
      const batch = this.index.onvifEventsAfter(this.lastOnvifId, 500);
      for (const e of batch) {
        this.lastOnvifId = e.id;
        if (!this.deps.store.getCamera(e.cameraId)) continue;
        const keeper = this.keeper(e.cameraId);
        keeper.activity(`onvif:${e.id}`, e.start, { eventId: e.id, onvif: e.kind }, e.end === null);
        // A whole-picture change the camera reports itself (scene change, too dark/bright: an IR switch).
        if (e.kind === 'tamper') this.pipelines.get(e.cameraId)?.resetMotion('day-night');
        if (e.end === null) this.openOnvif.set(e.id, e.cameraId);
        else keeper.end(`onvif:${e.id}`, e.end);
      }
      if (batch.length < 500) break;
    }
    for (const [eventId, cameraId] of this.openOnvif) {
      const e = this.index.getEvent(eventId);
      if (e && e.end === null) continue;
      this.openOnvif.delete(eventId);
      this.keepers.get(cameraId)?.end(`onvif:${eventId}`, e?.end ?? this.deps.clock.now());
    }
  }

  /** Review items whose footage is gone describe nothing that can be watched. */
  prune(): void {
    for (const camera of this.deps.store.listCameras()) {
      const { oldestStart } = this.deps.store.cameraStorage(camera.id);
      if (oldestStart !== null) this.index.pruneReviews(camera.id, oldestStart);
    }
  }

  private reviewOut(r: ReviewRecord): ReviewItem {
    return {
      id: r.id,
      cameraId: r.cameraId,
      start: r.start,
      end: r.end,
      severity: r.severity,
      labels: r.labels as ReviewItem['labels'],
      zones: r.zones,
      onvif: r.onvif,
      reviewed: r.reviewed,
      thumbnailId: r.thumbnail ? `review-${r.id}-${r.thumbnailAt ?? 0}` : null,
      eventIds: r.eventIds,
      clipStart: Math.max(0, r.start - this.policy.preRollMs),
      clipEnd: (r.end ?? this.deps.clock.now()) + this.policy.postRollMs,
    };
  }
}

export function eventOut(e: FullEventRecord): CameraEventRecord {
  return {
    id: e.id,
    cameraId: e.cameraId,
    kind: e.kind,
    start: e.start,
    end: e.end,
    source: e.source,
    topic: e.topic,
    origin: e.origin,
    label: (e.label as CameraEventRecord['label']) ?? null,
    score: e.score,
    box: e.box,
    zones: e.zones,
  };
}
