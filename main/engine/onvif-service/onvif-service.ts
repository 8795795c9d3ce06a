/**
 * ONVIF wired into the engine: discovery on request, onboarding into ordinary
 * cameras (source 'onvif'), per-camera event subscriptions, PTZ, snapshots
 * and the events table. The protocol itself is ../onvif/ (pure); this folder
 * only connects it to the store, the camera service and the API.
 *
 * Lifecycle: start() starts the event subscriber of every enabled ONVIF
 * camera; cameraChanged()/cameraRemoved() follow edits and removals (called by
 * the handlers after the camera service); stop() unsubscribes everything.
 */
import type { z } from 'zod';
import type { EventsQuery, OnvifCameraDetails, SnapshotImage } from '../../../preload/api.ts';
import type { CameraService } from '../cameras/camera-service.ts';
import type { Clock } from '../clock.ts';
import type { CameraOpener } from '../ingest/opener.ts';
import type { ProcessRunner } from '../ingest/process-runner.ts';
import type { Logger } from '../log.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import type { Store } from '../storage/store.ts';
import { notFound } from '../errors.ts';
import { CameraDiscovery, type DiscoverySettings } from './camera-discovery.ts';
import { DeviceSessions } from './device-sessions.ts';
import { EventLog } from './event-log.ts';
import { EventWatchers, type SubscriberTuning } from './event-watchers.ts';
import { Onboarding } from './onboarding.ts';
import { PtzControl } from './ptz-control.ts';
import { Snapshots, type Picture } from './snapshots.ts';

export interface OnvifServiceOptions extends DiscoverySettings {
  /** Deadline of each request to a device (default 5000 ms). */
  timeoutMs?: number;
  /** Pull-point timings (defaults: 60 s lifetime, 10 s long-poll, retry 1 s doubling to 30 s). */
  subscriber?: SubscriberTuning;
}

export interface OnvifServiceDeps {
  store: Store;
  secrets: SecretBox;
  cameras: CameraService;
  opener: CameraOpener;
  runner: ProcessRunner;
  ffmpegPath: string;
  log: Logger;
  clock: Clock;
}

const DEFAULT_EVENTS_LIMIT = 1000;
/** Events are pruned with the footage they describe, checked this often. */
const PRUNE_EVERY_MS = 3600_000;

type EventsInput = z.output<typeof EventsQuery>;

export class OnvifService {
  readonly discovery: CameraDiscovery;
  readonly sessions: DeviceSessions;
  readonly eventLog: EventLog;
  readonly watchers: EventWatchers;
  readonly snapshots: Snapshots;
  readonly onboarding: Onboarding;
  readonly ptz: PtzControl;
  private pruneTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly deps: OnvifServiceDeps,
    options: OnvifServiceOptions = {},
  ) {
    const now = () => deps.clock.now();
    this.discovery = new CameraDiscovery(deps.store, options);
    this.sessions = new DeviceSessions(deps.store, deps.secrets, options.timeoutMs);
    this.eventLog = new EventLog(deps.store);
    this.watchers = new EventWatchers({
      store: deps.store,
      sessions: this.sessions,
      eventLog: this.eventLog,
      log: deps.log,
      now,
      tuning: options.subscriber ?? {},
    });
    this.snapshots = new Snapshots({ ...deps, now, timeoutMs: options.timeoutMs });
    this.onboarding = new Onboarding({
      store: deps.store,
      cameras: deps.cameras,
      sessions: this.sessions,
      watchers: this.watchers,
      snapshots: this.snapshots,
      timeoutMs: options.timeoutMs,
    });
    this.ptz = new PtzControl(this.sessions);
  }

  /** Starts the event subscriber of every enabled ONVIF camera. Discovery never runs here. */
  start(): void {
    for (const device of this.deps.store.onvif.listDevices()) void this.watchers.sync(device.cameraId);
    this.pruneTimer = setInterval(() => this.pruneEvents(), PRUNE_EVERY_MS);
    this.pruneTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.pruneTimer = null;
    await this.watchers.stopAll();
    this.sessions.clear();
  }

  /** After a camera was edited (address, login, enabled): restart what depends on it. */
  async cameraChanged(cameraId: number): Promise<void> {
    await this.watchers.sync(cameraId);
  }

  /** Before a camera is removed: unsubscribe from its events. */
  async cameraRemoved(cameraId: number): Promise<void> {
    this.snapshots.cancel(cameraId);
    await this.watchers.stop(cameraId);
    this.sessions.forget(cameraId);
  }

  details(cameraId: number, refresh = false): OnvifCameraDetails | Promise<OnvifCameraDetails> {
    return refresh ? this.onboarding.refresh(cameraId) : this.onboarding.details(cameraId);
  }

  async snapshot(cameraId: number): Promise<Picture> {
    return this.snapshots.ofCamera(cameraId);
  }

  async snapshotDataUrl(cameraId: number): Promise<SnapshotImage> {
    const picture = await this.snapshots.ofCamera(cameraId);
    return {
      contentType: picture.contentType,
      dataUrl: `data:${picture.contentType};base64,${picture.body.toString('base64')}`,
      source: picture.source,
      takenAt: picture.takenAt,
    };
  }

  /** ONVIF rows only; GET /api/events is served by DetectionService.listEvents (every origin, all columns). */
  listEvents(query: EventsInput): ReturnType<Store['onvif']['queryEvents']> {
    if (query.camera !== undefined && !this.deps.store.getCamera(query.camera)) throw notFound(`no camera with id ${query.camera}`);
    return this.deps.store.onvif.queryEvents(query.camera ?? null, query.from, query.to, query.limit ?? DEFAULT_EVENTS_LIMIT);
  }

  /** Events older than a camera's oldest footage describe nothing that can still be watched. */
  pruneEvents(): void {
    for (const camera of this.deps.store.listCameras()) {
      const { oldestStart } = this.deps.store.cameraStorage(camera.id);
      if (oldestStart !== null) this.deps.store.onvif.pruneEvents(camera.id, oldestStart);
    }
  }
}
