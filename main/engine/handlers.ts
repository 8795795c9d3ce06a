/**
 * The operation handlers and the dispatcher. Transports (IPC, HTTP) call
 * `dispatch(name, rawInput)`; it validates the input with the contract's zod
 * schema, runs the handler, and returns a Result. Handlers do not know which
 * transport called them.
 */
import type { z } from 'zod';
import {
  operations,
  type ApiError,
  type OperationName,
  type OpOutput,
  type Result,
} from '../../preload/api.ts';
import { ApiFailure, notFound } from './errors.ts';
import type { Engine } from './engine.ts';
import { VERSION } from './version.ts';
import { redact } from './redact.ts';
import { describeRecording } from './playback/recording-index.ts';

type Parsed<K extends OperationName> = z.output<(typeof operations)[K]['input']>;
export type Handlers = { [K in OperationName]: (input: Parsed<K>) => OpOutput<K> | Promise<OpOutput<K>> };

export function createHandlers(engine: Engine): Handlers {
  const { store, cameras } = engine;
  return {
    health: () => ({ ok: true as const, version: VERSION }),
    getStatus: () => {
      const { freeBytes, totalBytes } = store.volume();
      const settings = engine.settings();
      return {
        version: VERSION,
        startedAt: engine.startedAt,
        storage: {
          usedBytes: store.totalBytes(),
          budgetBytes: settings.diskBudgetBytes,
          freeBytes,
          totalBytes,
          freeFloorBytes: settings.freeSpaceFloorBytes,
          earlyDeletions: store.earlyDeletionSummary(),
          problem: engine.retention.problem,
        },
        cameras: cameras.list().map((c) => ({ id: c.id, name: c.name, status: c.status, detection: engine.detection.statusOf(c.id) })),
      };
    },
    listCameras: () => cameras.list(),
    getCamera: ({ id }) => cameras.get(id),
    // An `onvif` field means: onboard the device first (main/engine/onvif-service).
    addCamera: (input) => ('onvif' in input ? engine.onvif.onboarding.add(input) : cameras.add(input)),
    updateCamera: async (input) => {
      const camera = await cameras.update(input);
      await engine.onvif.cameraChanged(camera.id);
      return camera;
    },
    removeCamera: async ({ id }) => {
      if (store.getCamera(id)) await engine.onvif.cameraRemoved(id);
      return cameras.remove(id);
    },
    listRecordings: ({ camera, from, to }) => {
      if (!store.getCamera(camera)) throw notFound(`no camera with id ${camera}`);
      return store.querySegments(camera, from, to).map((s) => ({
        id: s.id,
        cameraId: s.cameraId,
        stream: 'main' as const,
        runId: s.runId,
        start: s.start,
        end: s.end,
        durationMs: s.end - s.start,
        bytes: s.bytes,
        codec: s.codec,
        width: s.width,
        height: s.height,
        recovered: s.recovered,
      }));
    },
    getSettings: () => engine.settings(),
    updateSettings: (patch) => engine.updateSettings(patch),
    // Timeline, playback and export (docs/playback.md).
    getTimeline: (q) => engine.timeline.get(q),
    findAdjacent: (q) => engine.timeline.adjacent(q),
    getRecordingIndex: ({ id }) => describeRecording(engine.segmentIndexes, id),
    createExport: (input) => engine.exports.create(input),
    getExport: ({ id }) => engine.exports.get(id),
    listExports: () => engine.exports.list(),
    cancelExport: ({ id }) => engine.exports.cancel(id),
    verifyExport: ({ id }) => engine.exports.verify(id),
    // ONVIF (docs/onvif.md).
    getDiscoveryDefaults: () => engine.onvif.discovery.defaults(),
    discoverCameras: (input) => engine.onvif.discovery.discover(input),
    probeOnvif: (input) => engine.onvif.onboarding.probe(input),
    getOnvifCamera: ({ id, refresh }) => engine.onvif.details(id, refresh),
    setOnvifProfiles: ({ id, mainProfile, subProfile }) => engine.onvif.onboarding.setProfiles(id, mainProfile, subProfile),
    getSnapshot: ({ id }) => engine.onvif.snapshotDataUrl(id),
    ptz: (input) => engine.onvif.ptz.run(input),
    listPtzPresets: ({ id }) => engine.onvif.ptz.presets(id),
    // Detection, review and alerts (docs/detection.md). Events of every origin (ONVIF and detection).
    listEvents: (query) => engine.detection.listEvents(query),
    getDetection: ({ id }) => engine.detection.getDetection(id),
    setDetection: ({ id, ...config }) => {
      const result = engine.detection.setDetection(id, config);
      engine.mqtt.cameraChanged(id);
      return result;
    },
    listReview: (query) => engine.detection.listReview(query),
    getReviewItem: ({ id }) => engine.detection.getReviewItem(id),
    setReviewed: ({ id, reviewed }) => engine.detection.setReviewed(id, reviewed ?? true),
    getAlertSettings: () => engine.mqtt.settings(),
    updateAlertSettings: (patch) => engine.mqtt.update(patch),
  };
}

/** Human-readable zod issues: "mainUrl: only rtsp:// and rtsps:// URLs are accepted, not file://". */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const where = i.path.length ? i.path.join('.') : 'input';
      if (i.code === 'unrecognized_keys') return `${where}: unknown field(s) ${i.keys.map((k) => `"${k}"`).join(', ')}`;
      return `${where}: ${i.message}`;
    })
    .join('; ');
}

export class Dispatcher {
  constructor(
    private readonly handlers: Handlers,
    private readonly onInternalError: (op: string, err: unknown) => void = () => undefined,
  ) {}

  async dispatch<K extends OperationName>(name: K, raw: unknown): Promise<Result<OpOutput<K>>> {
    const op = operations[name];
    if (!op) return fail({ code: 'not_found', message: `unknown operation ${String(name)}` });
    const parsed = op.input.safeParse(raw);
    if (!parsed.success) return fail({ code: 'invalid_input', message: describeIssues(parsed.error) });
    try {
      const handler = this.handlers[name] as (input: unknown) => OpOutput<K> | Promise<OpOutput<K>>;
      return { ok: true, value: await handler(parsed.data) };
    } catch (err) {
      if (err instanceof ApiFailure) return fail(err.toJSON());
      this.onInternalError(String(name), err);
      return fail({ code: 'internal', message: `internal error: ${redact((err as Error)?.message ?? String(err))}` });
    }
  }
}

function fail(error: ApiError): { ok: false; error: ApiError } {
  return { ok: false, error };
}
