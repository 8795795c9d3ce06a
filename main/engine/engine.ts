/**
 * The Keepwatch engine: plain Node, no electron import. Used by the headless
 * server, by the Electron utility process and by tests.
 *
 * Start-up order: lock the data folder → open the index → reconcile disk and
 * index (crash recovery) → retention → recorders.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Settings } from '../../preload/api.ts';
import { systemClock, type Clock } from './clock.ts';
import { createLogger, type Logger, type LogSink } from './log.ts';
import { Store, type SegmentRow } from './storage/store.ts';
import { reconcile, type ReconcileReport } from './storage/reconcile.ts';
import { KeyFileSecretBox, type SecretBox } from './secrets/secret-box.ts';
import { locateBinary } from './ingest/ffmpeg-locator.ts';
import { nodeProcessRunner, type ProcessRunner } from './ingest/process-runner.ts';
import { RtspOpener, SourceOpener, type CameraOpener } from './ingest/opener.ts';
import { RecordingSupervisor } from './recording/supervisor.ts';
import { DEFAULT_RECORDER_OPTIONS, type LiveSink, type RecorderOptions, type RecorderStatus } from './recording/stream-recorder.ts';
import { RetentionService } from './retention/retention.ts';
import { CameraService } from './cameras/camera-service.ts';
import { acquireDataLock, type DataLock } from './storage/data-lock.ts';
import { OnvifService, type OnvifServiceOptions } from './onvif-service/index.ts';
import { TimelineService } from './timeline/timeline-service.ts';
import { SegmentIndexCache } from './playback/recording-index.ts';
import { ThumbnailService, DEFAULT_THUMBNAIL_OPTIONS, type ThumbnailServiceOptions } from './thumbnails/thumbnail-service.ts';
import { ExportService } from './export/export-service.ts';
import { SourceHashes } from './export/source-hashes.ts';

export interface EngineOptions {
  dataDir: string;
  /** Defaults to DIR/recordings. */
  recordingsDir?: string;
  ffmpegPath?: string | null;
  /** The packaged app's resources folder (bundled ffmpeg). */
  resourcesDir?: string | null;
  clock?: Clock;
  runner?: ProcessRunner;
  opener?: CameraOpener;
  secretBox?: SecretBox;
  logSink?: LogSink;
  live?: LiveSink;
  recorder?: Partial<RecorderOptions>;
  retentionIntervalMs?: number;
  random?: () => number;
  /** Free-space reading override (tests). */
  volume?: () => { freeBytes: number; totalBytes: number };
  /** ONVIF discovery limits (loopback-only demo), device timeouts, event subscription timings. */
  onvif?: OnvifServiceOptions;
  /** Thumbnail generation (tests switch the background work off). */
  thumbnails?: Partial<ThumbnailServiceOptions>;
  /** Hash new recordings in the background for export manifests (default true). */
  backgroundHashing?: boolean;
}

export const DEFAULT_SETTINGS: Settings = {
  diskBudgetBytes: null,
  freeSpaceFloorBytes: 2 * 1024 ** 3,
  segmentSeconds: 60,
};

export class Engine extends EventEmitter {
  readonly store: Store;
  readonly log: Logger;
  readonly clock: Clock;
  readonly supervisor: RecordingSupervisor;
  readonly retention: RetentionService;
  readonly cameras: CameraService;
  /** ONVIF discovery, onboarding, PTZ, snapshots and camera events. */
  readonly onvif: OnvifService;
  readonly timeline: TimelineService;
  readonly segmentIndexes: SegmentIndexCache;
  readonly thumbnails: ThumbnailService;
  readonly exports: ExportService;
  readonly sourceHashes: SourceHashes;
  readonly ffmpegPath: string;
  readonly startedAt: number;
  readonly recorderOptions: RecorderOptions;
  reconcileReport: ReconcileReport | null = null;
  private readonly lock: DataLock;
  private stopped = false;

  constructor(readonly options: EngineOptions) {
    super();
    this.setMaxListeners(100);
    const dataDir = resolve(options.dataDir);
    mkdirSync(dataDir, { recursive: true });
    this.clock = options.clock ?? systemClock;
    this.startedAt = this.clock.now();
    this.lock = acquireDataLock(dataDir);
    try {
      const secretBox = options.secretBox ?? KeyFileSecretBox.open(join(dataDir, 'secret.key'));
      // The logger redacts every stored camera password, whatever the message.
      this.log = createLogger({ sink: options.logSink, secrets: () => (this.cameras ? this.cameras.knownSecrets() : []) });
      this.ffmpegPath = locateBinary('ffmpeg', { configured: options.ffmpegPath, resourcesDir: options.resourcesDir });
      this.store = Store.open({
        databaseFile: join(dataDir, 'keepwatch.db'),
        recordingsRoot: options.recordingsDir ?? join(dataDir, 'recordings'),
        clock: this.clock,
      });
      const settings = this.settings();
      this.recorderOptions = { ...DEFAULT_RECORDER_OPTIONS, segmentMs: settings.segmentSeconds * 1000, ...options.recorder };
      this.retention = new RetentionService(this.store, this.clock, this.log.child('retention'), () => this.settings(), options.volume);
      const opener = options.opener ?? new SourceOpener(new RtspOpener(secretBox));
      this.supervisor = new RecordingSupervisor(
        {
          store: this.store,
          clock: this.clock,
          runner: options.runner ?? nodeProcessRunner,
          ffmpegPath: this.ffmpegPath,
          opener,
          log: this.log.child('recording'),
          live: options.live,
          random: options.random,
          onSegment: (s) => this.onSegment(s),
          onStatus: (cameraId, kind, status) => this.emit('status', cameraId, kind, status as RecorderStatus),
        },
        this.recorderOptions,
      );
      this.cameras = new CameraService(this.store, secretBox, this.supervisor, this.retention);
      this.onvif = new OnvifService(
        {
          store: this.store,
          secrets: secretBox,
          cameras: this.cameras,
          opener,
          runner: options.runner ?? nodeProcessRunner,
          ffmpegPath: this.ffmpegPath,
          log: this.log.child('onvif'),
          clock: this.clock,
        },
        options.onvif,
      );
      this.timeline = new TimelineService(this.store, this.clock);
      this.segmentIndexes = new SegmentIndexCache(this.store);
      this.thumbnails = new ThumbnailService(this.store, this.segmentIndexes, this.ffmpegPath, this.log.child('thumbnails'), {
        ...DEFAULT_THUMBNAIL_OPTIONS,
        ...options.thumbnails,
      });
      this.sourceHashes = new SourceHashes(this.store, this.log.child('hashes'), this.clock, options.backgroundHashing ?? true);
      this.exports = new ExportService({
        sourceHashes: this.sourceHashes,
        store: this.store,
        retention: this.retention,
        indexes: this.segmentIndexes,
        ffmpegPath: this.ffmpegPath,
        log: this.log.child('export'),
        clock: this.clock,
        root: join(dataDir, 'exports'),
      });
    } catch (err) {
      this.lock.release();
      throw err;
    }
  }

  /** Reconciles the recordings with the index, then starts retention and every camera. */
  start(): this {
    this.reconcileReport = reconcile(this.store, this.log.child('storage'));
    this.thumbnails.start();
    this.exports.start();
    this.sourceHashes.start();
    this.retention.start(this.options.retentionIntervalMs);
    this.supervisor.startAll();
    this.onvif.start();
    this.log.info(`engine started: ${this.store.listCameras().length} camera(s), recordings in ${this.store.recordingsRoot}`);
    return this;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.retention.stop();
    this.thumbnails.stop();
    this.sourceHashes.stop();
    await this.exports.stop();
    await this.onvif.stop();
    await this.supervisor.stopAll();
    this.store.close();
    this.lock.release();
  }

  settings(): Settings {
    return { ...DEFAULT_SETTINGS, ...this.store.getSetting<Partial<Settings>>('settings', {}) };
  }

  updateSettings(patch: Partial<Settings>): Settings {
    const next = { ...this.settings(), ...patch };
    this.store.setSetting('settings', next);
    if (patch.segmentSeconds !== undefined) this.recorderOptions.segmentMs = next.segmentSeconds * 1000; // each recorder applies it from its next connection
    this.retention.poke();
    return next;
  }

  private onSegment(segment: SegmentRow): void {
    this.emit('segment', segment);
    this.thumbnails.onSegment(segment);
    this.sourceHashes.onSegment(segment);
    this.retention.poke();
  }
}
