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
import { setPriority } from 'node:os';
import type { Settings } from '../../preload/api.ts';
import { systemClock, type Clock } from './clock.ts';
import { createLogger, type Logger, type LogSink } from './log.ts';
import { Store, type SegmentRow } from './storage/store.ts';
import { reconcile, type ReconcileReport } from './storage/reconcile.ts';
import type { Disk } from './storage/disk.ts';
import { KeyFileSecretBox, type SecretBox } from './secrets/secret-box.ts';
import { locateBinary } from './ingest/ffmpeg-locator.ts';
import { nodeProcessRunner, type ProcessRunner } from './ingest/process-runner.ts';
import { RtspOpener, SourceOpener, type CameraOpener } from './ingest/opener.ts';
import { RecordingSupervisor } from './recording/supervisor.ts';
import { DEFAULT_RECORDER_OPTIONS, type LiveSink, type RecorderOptions, type RecorderStatus } from './recording/stream-recorder.ts';
import { RetentionService } from './retention/retention.ts';
import { CameraService } from './cameras/camera-service.ts';
import { acquireDataLock, type DataLock } from './storage/data-lock.ts';
import { tightenTopFolders, tightenTree, usePrivateUmask } from './storage/private-folder.ts';
import { RecorderProcesses } from './ingest/recorder-processes.ts';
import { OnvifService, type OnvifServiceOptions } from './onvif-service/index.ts';
import { DetectionService, type DetectionServiceOptions } from './detection/detection-service.ts';
import type { DetectionParts } from './detection/parts.ts';
import { defaultDetectionParts } from './detection/default-parts.ts';
import { nodeDecoderRunner, startFrameSource, type FrameDecoderRunner, type FrameFeed } from './detection/frame-source.ts';
import type { ObjectDetectorOptions } from './detection/objects/index.ts';
import { MqttAlerts, type MqttConnect } from './alerts/mqtt.ts';
import { TimelineService } from './timeline/timeline-service.ts';
import { SegmentIndexCache } from './playback/recording-index.ts';
import { ThumbnailService, DEFAULT_THUMBNAIL_OPTIONS, type ThumbnailServiceOptions } from './thumbnails/thumbnail-service.ts';
import { ExportService } from './export/export-service.ts';
import { SourceHashes } from './export/source-hashes.ts';
import { UserService } from './users/user-service.ts';

type UserServiceOptions = ConstructorParameters<typeof UserService>[0];

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
  /** Detection (docs/detection.md): review grouping, and the pipeline parts (tests pass fakes; null = no detection). */
  detection?: DetectionServiceOptions & { parts?: DetectionParts | null; objects?: ObjectDetectorOptions };
  /** MQTT client factory (tests). */
  mqttConnect?: MqttConnect;
  /** Thumbnail generation (tests switch the background work off). */
  thumbnails?: Partial<ThumbnailServiceOptions>;
  /** Hash new recordings in the background for export manifests (default true). */
  backgroundHashing?: boolean;
  /** The storage module's file I/O (default: node's asynchronous fs); tests inject a slow disk. */
  disk?: Disk;
  /** Accounts: session lifetimes, password cost (tests make it cheap). */
  users?: Partial<Omit<UserServiceOptions, 'store' | 'clock' | 'log'>>;
}

/**
 * Detection's decoders run at a lower CPU priority than the recorders: when
 * the machine is short of CPU, detection falls behind (and counts its drops),
 * recording does not.
 */
const lowPriorityDecoders: FrameDecoderRunner = {
  spawn(command, args) {
    const child = nodeDecoderRunner.spawn(command, args);
    try {
      if (child.pid) setPriority(child.pid, 10);
    } catch {
      // not permitted here: the decoders then share the CPU evenly
    }
    return child;
  },
};

export const DEFAULT_SETTINGS: Settings = {
  diskBudgetBytes: null,
  freeSpaceFloorBytes: 2 * 1024 ** 3,
  segmentSeconds: 60,
  lowLatencyLive: true,
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
  /** Motion/object detection, review items; emits 'alert' (re-emitted by the engine) for desktop notifications. */
  readonly detection: DetectionService;
  /** MQTT (Home Assistant): off unless configured. */
  readonly mqtt: MqttAlerts;
  /** Accounts, sessions, tokens, rights and the audit log (docs/users.md). */
  readonly users: UserService;
  readonly timeline: TimelineService;
  readonly segmentIndexes: SegmentIndexCache;
  readonly thumbnails: ThumbnailService;
  readonly exports: ExportService;
  readonly sourceHashes: SourceHashes;
  readonly ffmpegPath: string;
  readonly startedAt: number;
  readonly recorderOptions: RecorderOptions;
  reconcileReport: ReconcileReport | null = null;
  readonly dataDir: string;
  /** The recorders this engine started, written down for the stray sweep at the next start. */
  readonly recorderProcesses: RecorderProcesses;
  private readonly lock: DataLock;
  private stopped = false;

  constructor(readonly options: EngineOptions) {
    super();
    this.setMaxListeners(100);
    const dataDir = resolve(options.dataDir);
    // Footage is private to this account: every file this process and its
    // ffmpeg children create is 0600, every folder 0700 (storage/private-folder.ts).
    usePrivateUmask();
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    this.dataDir = dataDir;
    this.clock = options.clock ?? systemClock;
    this.startedAt = this.clock.now();
    this.lock = acquireDataLock(dataDir);
    try {
      const secretBox = options.secretBox ?? KeyFileSecretBox.open(join(dataDir, 'secret.key'));
      // The logger redacts every stored camera password, whatever the message.
      this.log = createLogger({ sink: options.logSink, secrets: () => (this.cameras ? this.cameras.knownSecrets() : []) });
      this.ffmpegPath = locateBinary('ffmpeg', { configured: options.ffmpegPath, resourcesDir: options.resourcesDir });
      this.recorderProcesses = new RecorderProcesses(join(dataDir, 'recorders.json'), this.log.child('recording'));
      this.store = Store.open({
        databaseFile: join(dataDir, 'keepwatch.db'),
        recordingsRoot: options.recordingsDir ?? join(dataDir, 'recordings'),
        clock: this.clock,
        disk: options.disk,
      });
      const settings = this.settings();
      this.recorderOptions = { ...DEFAULT_RECORDER_OPTIONS, segmentMs: settings.segmentSeconds * 1000, ...options.recorder };
      this.retention = new RetentionService(this.store, this.clock, this.log.child('retention'), () => this.settings(), options.volume);
      const opener = options.opener ?? new SourceOpener(new RtspOpener(secretBox));
      this.supervisor = new RecordingSupervisor(
        {
          store: this.store,
          clock: this.clock,
          // Every recorder is written down, so a survivor of a crash is ended at the next start.
          runner: this.recorderProcesses.track(options.runner ?? nodeProcessRunner),
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
      this.detection = new DetectionService(
        { store: this.store, clock: this.clock, log: this.log.child('detection'), parts: this.detectionParts() },
        options.detection,
      );
      this.detection.on('alert', (alert) => this.emit('alert', alert));
      this.users = new UserService({ ...options.users, store: this.store, clock: this.clock, log: this.log.child('users') });
      // Everything keyed by a camera goes with it (or stops while it is switched off).
      this.cameras.onChange((cameraId, change) => {
        if (change === 'removed') {
          this.users.cameraRemoved(cameraId);
          this.detection.cameraRemoved(cameraId);
          this.mqtt.cameraRemoved(cameraId);
        } else {
          this.detection.cameraChanged(cameraId);
          this.mqtt.cameraChanged(cameraId);
        }
      });
      this.mqtt = new MqttAlerts({ store: this.store, secrets: secretBox, detection: this.detection, log: this.log.child('mqtt'), connect: options.mqttConnect });
      this.timeline = new TimelineService(this.store, this.clock);
      this.segmentIndexes = new SegmentIndexCache(this.store);
      this.thumbnails = new ThumbnailService(this.store, this.segmentIndexes, this.ffmpegPath, this.log.child('thumbnails'), {
        ...DEFAULT_THUMBNAIL_OPTIONS,
        ...options.thumbnails,
      }, this.clock);
      this.cameras.onChange((cameraId, change) => change === 'removed' && this.thumbnails.cameraRemoved(cameraId));
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
    // Before anything touches the folder: no recorder of a crashed engine may
    // keep writing beside the ones started below.
    this.recorderProcesses.sweep();
    const exportsDir = join(this.dataDir, 'exports');
    if (tightenTopFolders([this.dataDir, this.store.recordingsRoot, exportsDir])) {
      void tightenTree(this.dataDir).then((n) => n && this.log.info(`data folder: made ${n} older file(s) and folder(s) private`));
    }
    this.ready = this.startRecording();
    this.exports.start();
    this.onvif.start();
    this.detection.start();
    this.mqtt.start();
    return this;
  }

  /** Settles when start-up reconciliation is done and every camera has been started. */
  ready: Promise<void> = Promise.resolve();

  /**
   * Reconciliation closes the runs of a dead engine at once (before any
   * recorder starts a new one), then recovers its files asynchronously (the
   * event loop keeps serving); the cameras start once that is done.
   */
  private async startRecording(): Promise<void> {
    try {
      this.reconcileReport = await reconcile(this.store, this.log.child('storage'));
      await this.thumbnails.start();
    } catch (err) {
      this.log.error(`start-up reconciliation failed: ${(err as Error).message}`);
    }
    if (this.stopped) return;
    this.retention.start(this.options.retentionIntervalMs); // on the reconciled index
    this.sourceHashes.start();
    this.supervisor.startAll();
    this.log.info(`engine started: ${this.store.listCameras().length} camera(s), recordings in ${this.store.recordingsRoot}`);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.ready;
    this.retention.stop();
    this.thumbnails.stop();
    this.sourceHashes.stop();
    await this.exports.stop();
    await this.onvif.stop();
    await this.mqtt.stop();
    await this.detection.stop();
    await this.supervisor.stopAll();
    await this.recorderProcesses.flush();
    this.users.close(); // last-seen times of sessions and tokens
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
    if (patch.lowLatencyLive === false) this.supervisor.stopExpresses(); // their viewers go back to the recorded stream
    this.retention.poke();
    return next;
  }

  /** The detection pipeline's parts: given (tests), or the real ones on the live hub's feeds. */
  private detectionParts(): DetectionParts | null {
    if (this.options.detection?.parts !== undefined) return this.options.detection.parts;
    const live = this.options.live as Partial<FrameFeed> | undefined;
    if (!live?.plan || !live.subscribe) return null; // no live fan-out to decode from
    const hub = live as FrameFeed;
    const log = this.log.child('detection');
    return defaultDetectionParts({
      ffmpegPath: this.ffmpegPath,
      log,
      objects: this.options.detection?.objects,
      startFrameSource: (request) => {
        const source = startFrameSource({
          hub,
          cameraId: request.cameraId,
          fps: request.fps,
          keyframesWhenStill: request.keyframesWhenStill,
          ffmpegPath: () => this.ffmpegPath,
          runner: lowPriorityDecoders,
          log: log.child(`camera ${request.cameraId}`),
          onFrame: request.onFrame,
          onRestart: (reason) => request.onRestart(reason),
          onEnd: (reason) => request.onError?.(`the camera's stream ended (${reason})`),
        });
        if (!source) throw new Error('the camera has no stream to decode');
        return {
          close: () => source.close(),
          dropped: () => source.stats().droppedBusy,
          skipped: () => source.stats().skippedFragments,
          stayAwake: (ms) => source.stayAwake(ms),
          decoding: () => source.stats().decoding,
        };
      },
    });
  }

  private onSegment(segment: SegmentRow): void {
    this.emit('segment', segment);
    this.thumbnails.onSegment(segment);
    this.sourceHashes.onSegment(segment);
    this.retention.poke();
  }
}
