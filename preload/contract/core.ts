/**
 * Core operations: cameras, recordings, status and settings (the recording engine).
 */
import { z } from 'zod';
import { Id, Name, Password, RetentionPolicy, RtspUrl, Username, UtcMs } from './primitives.ts';
import { OnvifAddCameraInput, OnvifCameraDetails } from './onvif-camera.ts';
import { DetectionRuntime } from './detection.ts';

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
  /** How many days back footage around events is kept (retention.eventsMaxAgeDays); null when events get no longer retention. */
  eventDaysKept: z.number().nullable().optional(),
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

/** Adding a camera by its RTSP URL. */
export const RtspAddCameraInput = z
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
export type RtspAddCameraInput = z.input<typeof RtspAddCameraInput>;

/**
 * POST /api/cameras: either an RTSP camera (`mainUrl`, above) or an ONVIF
 * device to onboard (`onvif`, see ./onvif-camera.ts). The variant is chosen by
 * the `onvif` key, so errors name the fields of the variant meant (a plain
 * union would answer "Invalid input").
 */
export const AddCameraInput = z
  .unknown()
  .transform((value, ctx) => {
    const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
    if (isObject && 'onvif' in value && 'mainUrl' in value) {
      ctx.addIssue({ code: 'custom', message: 'give either "mainUrl" (an RTSP camera) or "onvif" (an ONVIF device), not both' });
      return z.NEVER;
    }
    const parsed = (isObject && 'onvif' in value ? OnvifAddCameraInput : RtspAddCameraInput).safeParse(value);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) ctx.issues.push({ ...issue, input: value } as (typeof ctx.issues)[number]);
    return z.NEVER;
  }) as unknown as z.ZodType<
  z.output<typeof RtspAddCameraInput> | z.output<typeof OnvifAddCameraInput>,
  z.input<typeof RtspAddCameraInput> | z.input<typeof OnvifAddCameraInput>
>;
export type AddCameraInput = z.input<typeof AddCameraInput>;

/** What adding a camera returns: the camera, plus its ONVIF profiles and streams when it was onboarded through ONVIF. */
export const AddedCamera = Camera.extend({ onvif: OnvifCameraDetails.optional() });
export type AddedCamera = z.infer<typeof AddedCamera>;

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
  cameras: z.array(
    z.object({
      id: Id,
      name: z.string(),
      status: CameraStatus,
      /** Detection counters (frames processed and dropped, …); absent in engines without detection. */
      detection: DetectionRuntime.optional(),
    }),
  ),
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
    /**
     * The maximised live view may open a second, live-only connection to a
     * camera's recorded stream while it is watched, for the lowest latency
     * (docs/live.md, "Express connection"). Off for cameras that accept only
     * one or two clients.
     */
    lowLatencyLive: z.boolean(),
  })
  .strict();
export type Settings = z.infer<typeof Settings>;
export const UpdateSettingsInput = Settings.partial().strict();
export type UpdateSettingsInput = z.input<typeof UpdateSettingsInput>;

export const Health = z.object({ ok: z.literal(true), version: z.string() });
export type Health = z.infer<typeof Health>;

/** Operations that take no input accept nothing or an empty object. */
export const NoInput = z.object({}).strict().optional();

export const coreOperations = {
  health: { input: NoInput, output: Health },
  getStatus: { input: NoInput, output: EngineStatus },
  listCameras: { input: NoInput, output: z.array(Camera) },
  getCamera: { input: CameraRef, output: Camera },
  addCamera: { input: AddCameraInput, output: AddedCamera },
  updateCamera: { input: UpdateCameraInput, output: Camera },
  removeCamera: { input: CameraRef, output: z.object({ removed: Id }) },
  listRecordings: { input: RecordingsQuery, output: z.array(Segment) },
  getSettings: { input: NoInput, output: Settings },
  updateSettings: { input: UpdateSettingsInput, output: Settings },
} as const;
