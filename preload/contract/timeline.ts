/**
 * Timeline, playback and export (docs/playback.md, docs/API.md "Timeline,
 * playback and export").
 *
 * - The timeline: per camera, the spans of recorded footage, the gaps between
 *   them, camera events and keyframe thumbnails, for any window up to 400 days.
 * - Playback is MSE in the renderer over `/api/recordings/:id/media` (Range);
 *   `getRecordingIndex` says where a segment's keyframes are, so a seek fetches
 *   the init segment and the fragments from the keyframe before the target only.
 * - Exports: jobs that cut a time range of one or several cameras into MP4
 *   files plus a manifest.json of SHA-256 hashes; `verifyExport` re-checks them.
 *
 * Binary things are raw routes, never operations: thumbnails
 * (`GET /api/thumbnails/:id`), export downloads (`GET /api/exports/:id/download`
 * as a zip, `GET /api/exports/:id/files/:name` one file). No operation takes a
 * filesystem path.
 */
import { z } from 'zod';
import { Id, UtcMs } from './primitives.ts';
import { MAX_QUERY_SPAN_MS } from './core.ts';

// ---------------------------------------------------------------------------
// Timeline
// ---------------------------------------------------------------------------

/** Most cameras one timeline query or export may name (the synced grid shows up to 16). */
export const MAX_TIMELINE_CAMERAS = 16;
/** Most thumbnails per camera one timeline query returns. */
export const MAX_TIMELINE_THUMBNAILS = 500;
/** One thumbnail slot per this much of a segment: slot k is the first keyframe at or after k × 10 s. */
export const THUMBNAIL_SLOT_MS = 10_000;

/** "1,2,3" (query string) or [1, 2, 3]: distinct camera ids, in the order given. */
export const CameraIdList = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',').filter((s) => s.trim() !== '') : typeof v === 'number' ? [v] : v),
  z
    .array(Id)
    .min(1, 'name at least one camera')
    .max(MAX_TIMELINE_CAMERAS, `at most ${MAX_TIMELINE_CAMERAS} cameras at once`)
    .refine((ids) => new Set(ids).size === ids.length, 'a camera is named twice'),
);

/** A [from, to) range: non-empty, not reversed, at most `maxSpanMs` long. */
const rangeChecks = <T extends { from: number; to: number }>(schema: z.ZodType<T>, maxSpanMs: number, spanName: string) =>
  schema
    .refine((q) => q.from < q.to, { message: '"from" must be before "to" (the range is empty or reversed)', path: ['from'] })
    .refine((q) => q.to - q.from <= maxSpanMs, { message: `time range is longer than ${spanName}`, path: ['to'] });

export const TimelineQuery = rangeChecks(
  z
    .object({
      cameras: CameraIdList,
      from: UtcMs,
      to: UtcMs,
      /** How many thumbnails per camera to sample evenly across the window (0 = none). */
      thumbnails: z.coerce.number().int().min(0).max(MAX_TIMELINE_THUMBNAILS).optional(),
    })
    .strict(),
  MAX_QUERY_SPAN_MS,
  '400 days',
);
export type TimelineQuery = z.input<typeof TimelineQuery>;

export const TimeSpan = z.object({ start: UtcMs, end: UtcMs });
export type TimeSpan = z.infer<typeof TimeSpan>;

/** `<segment id>-<slot>`: a keyframe thumbnail, served by `GET /api/thumbnails/:id` (made on first request). */
export const ThumbnailId = z.string().regex(/^[1-9]\d{0,15}-\d{1,5}$/, 'thumbnail id must look like 123-0');

export const TimelineThumbnail = z.object({
  id: ThumbnailId,
  /** Approximate UTC time of the picture (the keyframe is at or just after it). */
  at: UtcMs,
});
export type TimelineThumbnail = z.infer<typeof TimelineThumbnail>;

export const TimelineEvent = z.object({
  id: z.number().int(),
  /** motion, tamper, ... (as the camera reported it). */
  kind: z.string(),
  start: UtcMs,
  /** null while the event is still active or when the camera sent no end. */
  end: UtcMs.nullable(),
});
export type TimelineEvent = z.infer<typeof TimelineEvent>;

export const CameraTimeline = z.object({
  cameraId: Id,
  name: z.string(),
  /** Recorded footage within the window, clipped to it; contiguous segments merged. */
  spans: z.array(TimeSpan),
  /** Parts of the window without footage. */
  gaps: z.array(TimeSpan),
  events: z.array(TimelineEvent),
  /** True when more events exist in the window than were returned. */
  eventsTruncated: z.boolean(),
  thumbnails: z.array(TimelineThumbnail),
  /** First and last moment of this camera's footage overall (not only in the window), null when none. */
  footage: TimeSpan.nullable(),
});
export type CameraTimeline = z.infer<typeof CameraTimeline>;

export const Timeline = z.object({ from: UtcMs, to: UtcMs, cameras: z.array(CameraTimeline) });
export type Timeline = z.infer<typeof Timeline>;

export const AdjacentQuery = z
  .object({
    cameras: CameraIdList,
    at: UtcMs,
    direction: z.enum(['next', 'previous']),
    /** event: the nearest event start; footage: the start of the next footage after a gap (or the end of the previous). */
    what: z.enum(['event', 'footage']),
  })
  .strict();
export type AdjacentQuery = z.input<typeof AdjacentQuery>;

export const Adjacent = z.object({
  /** The moment found, or null when there is none in that direction. */
  at: UtcMs.nullable(),
  cameraId: Id.nullable(),
  event: TimelineEvent.nullable(),
});
export type Adjacent = z.infer<typeof Adjacent>;

// ---------------------------------------------------------------------------
// Playback
// ---------------------------------------------------------------------------

export const RecordingIndex = z.object({
  id: Id,
  /** For MediaSource.isTypeSupported / addSourceBuffer. */
  mimeType: z.string(),
  codec: z.string().nullable(),
  /** Bytes [0, initBytes) are the init segment. */
  initBytes: z.number().int(),
  bytes: z.number().int(),
  /** Media duration (the file starts at media time 0 = the segment's `start`). */
  durationMs: z.number().int(),
  /** Average frame duration, for frame stepping; null when unknown. */
  frameMs: z.number().nullable(),
  /** Where decoding can start: byte offset of each keyframe fragment and its media time. */
  keyframes: z.array(z.object({ offset: z.number().int(), ms: z.number() })),
});
export type RecordingIndex = z.infer<typeof RecordingIndex>;

// ---------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------

/** Longest range one export may cover. */
export const MAX_EXPORT_SPAN_MS = 31 * 24 * 3600 * 1000;

export const ExportMode = z.enum(['copy', 'exact']);
export type ExportMode = z.infer<typeof ExportMode>;

export const CreateExportInput = rangeChecks(
  z.object({
    cameras: CameraIdList,
    from: UtcMs,
    to: UtcMs,
    /**
     * copy: the recorded bytes, cut at keyframes (starts at the keyframe at or
     * before `from`), no re-encode, fast. exact: re-encoded (H.264), cut at
     * `from`/`to` exactly, with the UTC time burnt into the picture.
     */
    mode: ExportMode.default('copy'),
    /** exact mode only: burn the UTC time into the picture (default true). */
    burnTimestamp: z.boolean().optional(),
  }).strict(),
  MAX_EXPORT_SPAN_MS,
  '31 days',
);
export type CreateExportInput = z.input<typeof CreateExportInput>;

/** deleted: a finished export whose files were removed with DELETE (it is forgotten afterwards). */
export const ExportState = z.enum(['queued', 'running', 'done', 'failed', 'cancelled', 'deleted']);
export type ExportState = z.infer<typeof ExportState>;

export const ExportFile = z.object({
  /** Plain file name inside the export (no folders). */
  name: z.string(),
  cameraId: Id.nullable(),
  bytes: z.number().int(),
  sha256: z.string(),
});
export type ExportFile = z.infer<typeof ExportFile>;

export const ExportJob = z.object({
  id: Id,
  state: ExportState,
  mode: ExportMode,
  cameras: z.array(Id),
  from: UtcMs,
  to: UtcMs,
  createdAt: UtcMs,
  finishedAt: UtcMs.nullable(),
  /** 0..1 */
  progress: z.number(),
  /** What the job is doing now, for the progress bar. */
  stage: z.string(),
  error: z.string().nullable(),
  /** The finished export's files, manifest.json last. Empty until done. */
  files: z.array(ExportFile),
  /** SHA-256 of manifest.json: write it down to prove later that the manifest itself is unchanged. */
  manifestSha256: z.string().nullable(),
  /** Cameras of the request that had no footage in the range (the export covers the others). */
  camerasWithoutFootage: z.array(Id),
  /** Seconds of footage exported, per camera. */
  durations: z.array(z.object({ cameraId: Id, ms: z.number().int() })),
});
export type ExportJob = z.infer<typeof ExportJob>;

export const ExportRef = z.object({ id: Id }).strict();

export const VerifyReport = z.object({
  ok: z.boolean(),
  manifestSha256: z.string().nullable(),
  keepwatchVersion: z.string().nullable(),
  files: z.array(
    z.object({
      name: z.string(),
      ok: z.boolean(),
      expectedSha256: z.string().nullable(),
      actualSha256: z.string().nullable(),
      problem: z.string().nullable(),
    }),
  ),
  /** Human sentences: what is wrong, or that everything matches. */
  summary: z.string(),
});
export type VerifyReport = z.infer<typeof VerifyReport>;

const NoInput = z.object({}).strict().optional();

export const timelineOperations = {
  getTimeline: { input: TimelineQuery, output: Timeline },
  findAdjacent: { input: AdjacentQuery, output: Adjacent },
  getRecordingIndex: { input: z.object({ id: Id }).strict(), output: RecordingIndex },
  createExport: { input: CreateExportInput, output: ExportJob },
  getExport: { input: ExportRef, output: ExportJob },
  listExports: { input: NoInput, output: z.array(ExportJob) },
  /** Cancels a queued or running export (nothing is left behind), or deletes a finished one. */
  cancelExport: { input: ExportRef, output: ExportJob },
  verifyExport: { input: ExportRef, output: VerifyReport },
} as const;
