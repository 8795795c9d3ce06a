/**
 * The one typed contract shared by main (engine + Electron shell), the preload
 * bridge and the renderer.
 *
 * - Every operation has a zod schema for its input. Main validates every call
 *   with it before a handler runs; handlers never see unvalidated input.
 * - Output types are described by zod too, so tests can check what crosses the
 *   boundary, but the renderer imports *types only* from this file.
 * - No `electron` import here: this file runs in plain Node (headless server),
 *   in the sandboxed preload and (as types) in the browser.
 *
 * One API, two transports: IPC (desktop) and HTTP/WebSocket (headless). The
 * HTTP route table in main/server/routes.ts maps each public route onto one of
 * these operations; handlers do not know which transport called them.
 */
import { z } from 'zod';

// ---------------------------------------------------------------------------
// Primitives
// ---------------------------------------------------------------------------

/** Database ids are positive integers; anything else ("../../etc/passwd") is rejected. */
export const Id = z.coerce
  .number({ error: 'id must be a positive integer' })
  .int('id must be a positive integer')
  .positive('id must be a positive integer')
  .max(Number.MAX_SAFE_INTEGER, 'id is too large');

/** UTC milliseconds since the epoch. All times in the API are UTC integers. */
export const UtcMs = z.coerce
  .number({ error: 'time must be UTC milliseconds' })
  .int('time must be whole UTC milliseconds')
  .min(0, 'time must not be before 1970')
  .max(8_640_000_000_000_000, 'time is out of range');

const CONTROL_OR_SPACE = /[\s\u0000-\u001f\u007f]/;

/**
 * A camera stream URL. Only rtsp:// and rtsps:// are accepted: anything else
 * (file:, concat:, pipe:, http:, a leading dash that ffmpeg could read as an
 * option) is refused here, before any process is spawned.
 */
export const RtspUrl = z
  .string()
  .min(1, 'URL is empty')
  .max(2048, 'URL is too long')
  .superRefine((value, ctx) => {
    const problem = rtspUrlProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** Why a string is not an acceptable camera URL, or null when it is. Pure; shared with main. */
export function rtspUrlProblem(value: string): string | null {
  if (value.startsWith('-')) return 'URL must not start with "-"';
  if (CONTROL_OR_SPACE.test(value)) return 'URL must not contain spaces or control characters';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'not a valid URL (expected rtsp://host[:port]/path)';
  }
  if (url.protocol !== 'rtsp:' && url.protocol !== 'rtsps:') {
    return `only rtsp:// and rtsps:// URLs are accepted, not ${url.protocol}//`;
  }
  if (!url.hostname) return 'URL has no host';
  if (url.hash) return 'URL must not contain a #fragment';
  return null;
}

const Name = z.string().trim().min(1, 'name is empty').max(100, 'name is longer than 100 characters');
const Username = z.string().max(256, 'username is too long');
const Password = z.string().max(256, 'password is too long');

export const RetentionPolicy = z
  .object({
    /** Keep at most this many days of this camera; null = keep until the disk budget needs room. */
    maxAgeDays: z.number().positive('maxAgeDays must be positive').max(3650).nullable(),
  })
  .strict();
export type RetentionPolicy = z.infer<typeof RetentionPolicy>;

// ---------------------------------------------------------------------------
// Cameras
// ---------------------------------------------------------------------------

export const CameraState = z.enum(['recording', 'connecting', 'offline', 'disabled']);
export type CameraState = z.infer<typeof CameraState>;

export const StreamKind = z.enum(['main', 'sub']);
export type StreamKind = z.infer<typeof StreamKind>;

export const CameraStatus = z.object({
  state: CameraState,
  /** When the camera entered this state (UTC ms). */
  since: UtcMs,
  /** The last error, with every credential redacted; null when none. */
  lastError: z.string().nullable(),
  /** When the next reconnect attempt is due (UTC ms), when offline. */
  retryAt: UtcMs.nullable(),
});
export type CameraStatus = z.infer<typeof CameraStatus>;

export const StreamInfo = z.object({
  kind: StreamKind,
  /** URL without credentials. */
  url: z.string(),
  codec: z.string().nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  audioCodec: z.string().nullable(),
});
export type StreamInfo = z.infer<typeof StreamInfo>;

export const CameraStorage = z.object({
  segments: z.number().int(),
  bytes: z.number().int(),
  /** Start of the oldest footage kept (UTC ms), null when none. */
  oldestStart: UtcMs.nullable(),
  /** How many days of footage this camera currently keeps. */
  daysKept: z.number(),
});

export const Camera = z.object({
  id: Id,
  name: z.string(),
  enabled: z.boolean(),
  /** Where the camera came from: an RTSP URL typed in, ONVIF onboarding, or the built-in demo pattern. */
  source: z.enum(['rtsp', 'onvif', 'test-pattern']),
  mainUrl: z.string(),
  subUrl: z.string().nullable(),
  /** Credentials are stored encrypted and never returned; this only says whether there are any. */
  hasCredentials: z.boolean(),
  retention: RetentionPolicy,
  status: CameraStatus,
  streams: z.array(StreamInfo),
  storage: CameraStorage,
  createdAt: UtcMs,
});
export type Camera = z.infer<typeof Camera>;

export const AddCameraInput = z
  .object({
    name: Name,
    mainUrl: RtspUrl,
    subUrl: RtspUrl.nullish(),
    /** Credentials may also be given in the URL (rtsp://user:pass@host/); they are moved out of it. */
    username: Username.optional(),
    password: Password.optional(),
    enabled: z.boolean().optional(),
    retention: RetentionPolicy.optional(),
  })
  .strict();
export type AddCameraInput = z.input<typeof AddCameraInput>;

export const UpdateCameraInput = z
  .object({
    id: Id,
    name: Name.optional(),
    mainUrl: RtspUrl.optional(),
    subUrl: RtspUrl.nullable().optional(),
    username: Username.optional(),
    password: Password.optional(),
    enabled: z.boolean().optional(),
    retention: RetentionPolicy.optional(),
  })
  .strict();
export type UpdateCameraInput = z.input<typeof UpdateCameraInput>;

export const CameraRef = z.object({ id: Id }).strict();
export type CameraRef = z.input<typeof CameraRef>;

// ---------------------------------------------------------------------------
// Recordings
// ---------------------------------------------------------------------------

/** Longest span one recordings/timeline query may cover. */
export const MAX_QUERY_SPAN_MS = 400 * 24 * 3600 * 1000;

export const RecordingsQuery = z
  .object({
    camera: Id,
    from: UtcMs,
    to: UtcMs,
  })
  .strict()
  .refine((q) => q.from < q.to, { message: '"from" must be before "to"', path: ['from'] })
  .refine((q) => q.to - q.from <= MAX_QUERY_SPAN_MS, { message: 'time range is longer than 400 days', path: ['to'] });
export type RecordingsQuery = z.input<typeof RecordingsQuery>;

export const Segment = z.object({
  id: Id,
  cameraId: Id,
  stream: StreamKind,
  /** A run is one continuous ffmpeg session; segments of a run are contiguous. */
  runId: Id,
  start: UtcMs,
  end: UtcMs,
  durationMs: z.number().int(),
  bytes: z.number().int(),
  codec: z.string().nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  /** True when the segment was recovered after a crash (cut at its last complete fragment). */
  recovered: z.boolean(),
});
export type Segment = z.infer<typeof Segment>;

export const SegmentRef = z.object({ id: Id }).strict();

// ---------------------------------------------------------------------------
// Engine status and settings
// ---------------------------------------------------------------------------

export const StorageStatus = z.object({
  /** Total bytes of indexed footage. */
  usedBytes: z.number().int(),
  budgetBytes: z.number().int().nullable(),
  freeBytes: z.number().int(),
  totalBytes: z.number().int(),
  freeFloorBytes: z.number().int(),
  /** Footage deleted before its camera's age limit because of the budget or the free-space floor. */
  earlyDeletions: z.object({ segments: z.number().int(), bytes: z.number().int(), lastAt: UtcMs.nullable() }),
  /** A human sentence when storage needs attention, else null. */
  problem: z.string().nullable(),
});
export type StorageStatus = z.infer<typeof StorageStatus>;

export const EngineStatus = z.object({
  version: z.string(),
  startedAt: UtcMs,
  storage: StorageStatus,
  cameras: z.array(z.object({ id: Id, name: z.string(), status: CameraStatus })),
});
export type EngineStatus = z.infer<typeof EngineStatus>;

export const Settings = z
  .object({
    /** Global cap on footage bytes; null = only the free-space floor applies. */
    diskBudgetBytes: z.number().int().positive().nullable(),
    /** Always keep at least this much free on the recordings volume. */
    freeSpaceFloorBytes: z.number().int().min(0),
    /** Target segment length. */
    segmentSeconds: z.number().int().min(2).max(600),
  })
  .strict();
export type Settings = z.infer<typeof Settings>;
export const UpdateSettingsInput = Settings.partial().strict();
export type UpdateSettingsInput = z.input<typeof UpdateSettingsInput>;

export const Health = z.object({ ok: z.literal(true), version: z.string() });
export type Health = z.infer<typeof Health>;

// ---------------------------------------------------------------------------
// Results and errors
// ---------------------------------------------------------------------------

/** Stable error codes; the HTTP transport maps them onto status codes. */
export const ErrorCode = z.enum(['invalid_input', 'not_found', 'conflict', 'unavailable', 'internal']);
export type ErrorCode = z.infer<typeof ErrorCode>;
export interface ApiError {
  code: ErrorCode;
  message: string;
}
export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

// ---------------------------------------------------------------------------
// The operation table
// ---------------------------------------------------------------------------

const NoInput = z.object({}).strict().optional();

/**
 * Every operation: its input schema and its output schema. Adding an operation
 * here is a deliberate change: the bridge snapshot test will notice.
 */
export const operations = {
  health: { input: NoInput, output: Health },
  getStatus: { input: NoInput, output: EngineStatus },
  listCameras: { input: NoInput, output: z.array(Camera) },
  getCamera: { input: CameraRef, output: Camera },
  addCamera: { input: AddCameraInput, output: Camera },
  updateCamera: { input: UpdateCameraInput, output: Camera },
  removeCamera: { input: CameraRef, output: z.object({ removed: Id }) },
  listRecordings: { input: RecordingsQuery, output: z.array(Segment) },
  getSettings: { input: NoInput, output: Settings },
  updateSettings: { input: UpdateSettingsInput, output: Settings },
} as const;

export type Operations = typeof operations;
export type OperationName = keyof Operations;
export type OpInput<K extends OperationName> = z.input<Operations[K]['input']>;
export type OpOutput<K extends OperationName> = z.infer<Operations[K]['output']>;

/** What the renderer sees, whichever transport is underneath. */
export type KeepwatchApi = {
  [K in OperationName]: (input: OpInput<K>) => Promise<Result<OpOutput<K>>>;
};

export const OPERATION_NAMES = Object.keys(operations) as OperationName[];
