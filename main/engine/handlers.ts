/**
 * The operation handlers and the dispatcher. Transports (IPC, HTTP) call
 * `dispatch(name, rawInput, {caller, client})`; it checks the caller against
 * what the operation declares (preload/contract/access.ts, through
 * ./access/guard.ts), validates the input with the contract's zod schema,
 * runs the handler, narrows a list to the caller's cameras, writes the audit
 * line, and returns a Result. Handlers do not know which transport called
 * them, and never check rights themselves: they get the caller and the
 * cameras it may see in `ctx`.
 */
import type { z } from 'zod';
import {
  OPERATION_ACCESS,
  operations,
  type ApiError,
  type OperationName,
  type OpOutput,
  type Result,
} from '../../preload/api.ts';
import type { AccessGuard, CameraScope } from './access/guard.ts';
import type { Caller } from './access/caller.ts';
import { isListOperation, listFilters } from './access/list-filters.ts';
import { auditRecord, auditedOperations, type AuditSink } from './access/audit-trail.ts';
import { ApiFailure, notFound } from './errors.ts';
import type { Engine } from './engine.ts';
import { VERSION } from './version.ts';
import { redact } from './redact.ts';
import { describeRecording } from './playback/recording-index.ts';

type Parsed<K extends OperationName> = z.output<(typeof operations)[K]['input']>;

/** Where a call comes from: the client's address (audit, login throttle) and browser. */
export interface ClientInfo {
  address: string;
  userAgent: string;
  /** Arrived over TLS (the session cookie is then `Secure`). */
  secure: boolean;
}

export const LOCAL_CLIENT: ClientInfo = { address: 'local', userAgent: 'Keepwatch desktop', secure: false };

/** What a handler knows of its call besides the input. */
export interface CallContext {
  caller: Caller | null;
  /** The cameras the caller may see for this operation's right; null = every camera. */
  cameras: CameraScope;
  client: ClientInfo;
}

export type Handlers = { [K in OperationName]: (input: Parsed<K>, ctx: CallContext) => OpOutput<K> | Promise<OpOutput<K>> };

/** The engine's own operations; the users and LAN handlers are merged in by the host (main/headless.ts). */
export type EngineOperationName = Exclude<OperationName, UserOperationName | 'getLan' | 'updateLan'>;
type UserOperationName = keyof typeof import('../../preload/contract/users.ts').userOperations;

export function createHandlers(engine: Engine): Pick<Handlers, EngineOperationName> {
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
    listEvents: (query, ctx) => engine.detection.listEvents(query, ctx.cameras),
    getDetection: ({ id }) => engine.detection.getDetection(id),
    // Names only (review items carry zone ids): for viewers, who may not read the detection settings.
    listZones: ({ id }) => engine.detection.getDetection(id).config.zones.map((z) => ({ id: z.id, name: z.name })),
    setDetection: ({ id, ...config }) => {
      const result = engine.detection.setDetection(id, config);
      engine.mqtt.cameraChanged(id);
      return result;
    },
    listReview: (query, ctx) => engine.detection.listReview(query, ctx.cameras),
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

export interface DispatcherOptions {
  guard: AccessGuard;
  audit?: AuditSink;
  onInternalError?: (op: string, err: unknown) => void;
}

/** Who is calling: the caller (null = nobody signed in) and where from. */
export interface Call {
  caller: Caller | null;
  client?: ClientInfo;
}

export class Dispatcher {
  constructor(
    private readonly handlers: Handlers,
    private readonly opts: DispatcherOptions,
  ) {}

  async dispatch<K extends OperationName>(name: K, raw: unknown, call: Call): Promise<Result<OpOutput<K>>> {
    const op = operations[name];
    if (!op || !Object.hasOwn(operations, name)) return fail({ code: 'not_found', message: `unknown operation ${String(name)}` });
    const access = OPERATION_ACCESS[name];
    // Rights before input: a viewer learns nothing from an admin operation's validation errors.
    const gated = this.opts.guard.gate(access, call.caller);
    if (gated) return fail(gated);
    const parsed = op.input.safeParse(raw);
    if (!parsed.success) return fail({ code: 'invalid_input', message: describeIssues(parsed.error) });
    const verdict = this.opts.guard.check(access, call.caller, parsed.data);
    if (!verdict.ok) return fail(verdict.error);
    const client = call.client ?? LOCAL_CLIENT;
    try {
      const handler = this.handlers[name] as (input: unknown, ctx: CallContext) => OpOutput<K> | Promise<OpOutput<K>>;
      let value = await handler(parsed.data, { caller: call.caller, cameras: verdict.cameras, client });
      if (verdict.cameras && isListOperation(name)) {
        const visible = new Set(verdict.cameras);
        const filter = listFilters[name] as unknown as (out: OpOutput<K>, v: (id: number) => boolean) => OpOutput<K>;
        value = filter(value, (id) => visible.has(id));
      }
      this.audit(name, parsed.data, value, call.caller, client);
      return { ok: true, value };
    } catch (err) {
      if (err instanceof ApiFailure) return fail(err.toJSON());
      this.opts.onInternalError?.(String(name), err);
      return fail({ code: 'internal', message: `internal error: ${redact((err as Error)?.message ?? String(err))}` });
    }
  }

  private audit<K extends OperationName>(name: K, input: unknown, output: OpOutput<K>, caller: Caller | null, client: ClientInfo): void {
    const describe = auditedOperations[name] as ((i: Record<string, unknown>, o: OpOutput<K>) => { action: never }[]) | undefined;
    if (!describe || !this.opts.audit) return;
    for (const entry of describe((input ?? {}) as Record<string, unknown>, output)) this.opts.audit.record(auditRecord(caller, client.address, entry));
  }
}

function fail(error: ApiError): { ok: false; error: ApiError } {
  return { ok: false, error };
}
