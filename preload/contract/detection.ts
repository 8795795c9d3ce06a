/**
 * Detection, review and alerts (docs/detection.md, docs/API.md "Detection").
 *
 * - Per camera, a detection config: on/off, decode rate, motion sensitivity,
 *   minimum motion duration, which objects to look for, which of them make an
 *   alert, zones (named polygons events can require) and masks (polygons whose
 *   pixels never count as motion). Coordinates are 0–1 of the picture, origin
 *   top-left, so they hold for any resolution of the camera.
 * - Review items: one period of activity of one camera (motion, objects, ONVIF
 *   events merged while activity continues), an *alert* when an alert label
 *   entered a zone (anywhere, when the camera has no zones), else a *detection*.
 *   Their thumbnail JPEG is a raw route: `GET /api/review/:id/thumbnail`.
 * - Alerts: MQTT (Home Assistant) and desktop notifications. MQTT is off by
 *   default and never connects anywhere unless configured.
 *
 * Imports primitives only (core.ts imports DetectionRuntime from here).
 */
import { z } from 'zod';
import { Id, UtcMs } from './primitives.ts';

/** Same as core.ts MAX_QUERY_SPAN_MS (not imported: core.ts imports this file). */
const MAX_REVIEW_SPAN_MS = 400 * 24 * 3600 * 1000;

// ---------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------

export const OBJECT_LABELS = ['person', 'car', 'bicycle', 'motorbike', 'dog', 'cat', 'bird'] as const;
export const ObjectLabel = z.enum(OBJECT_LABELS);
export type ObjectLabel = z.infer<typeof ObjectLabel>;

export const MAX_ZONES = 16;
export const MAX_MASKS = 16;

const Coordinate = z.number().min(0, 'coordinates are between 0 and 1').max(1, 'coordinates are between 0 and 1');
/** A point [x, y], 0–1 of the picture, origin top-left. */
export const Point = z.tuple([Coordinate, Coordinate]);
/** A closed polygon: 3 to 64 points (the last joins the first). */
export const Polygon = z.array(Point).min(3, 'a polygon needs at least 3 points').max(64, 'a polygon has at most 64 points');
export type Polygon = z.infer<typeof Polygon>;

const LabelList = z.array(ObjectLabel).max(OBJECT_LABELS.length).refine((l) => new Set(l).size === l.length, 'a label is named twice');

export const ZoneId = z.string().regex(/^[a-z0-9-]{1,40}$/, 'zone ids are 1 to 40 lowercase letters, digits or "-"');

export const DetectionZone = z
  .object({
    /** Stable slug, used in events, MQTT topics and filters ("driveway"). */
    id: ZoneId,
    name: z.string().trim().min(1, 'zone name is empty').max(60, 'zone name is longer than 60 characters'),
    polygon: Polygon,
    /** Motion sensitivity inside this zone (overrides the camera's). */
    sensitivity: z.number().int().min(1).max(10).optional(),
    /** Which objects count in this zone (default: all the camera looks for). */
    labels: LabelList.optional(),
  })
  .strict();
export type DetectionZone = z.infer<typeof DetectionZone>;

/** A zone's id and name only: what a viewer with playback needs to read review items (no polygons, no settings). */
export const ZoneName = z.object({ id: ZoneId, name: z.string() });
export type ZoneName = z.infer<typeof ZoneName>;

export const DEFAULT_LABELS: ObjectLabel[] = ['person', 'car', 'dog', 'cat'];
export const DEFAULT_ALERT_LABELS: ObjectLabel[] = ['person', 'car'];

const DetectionConfigFields = z
  .object({
    enabled: z.boolean().default(false),
    /** Frames decoded per second for detection. */
    fps: z.number().int().min(1, 'fps is 1 to 15').max(15, 'fps is 1 to 15').default(5),
    /**
     * While the picture is still, decode only keyframes (motion is looked for
     * on those, about once a second) and every frame from the moment
     * something moves: most of detection's CPU saved on a quiet camera.
     * 'every-frame' decodes every frame always. Streams whose keyframes are
     * more than 2 s apart are always decoded whole.
     */
    stillDecoding: z.enum(['keyframes', 'every-frame']).default('keyframes'),
    /** Motion sensitivity, 1 (only big changes) to 10 (the slightest change). */
    sensitivity: z.number().int().min(1).max(10).default(5),
    /** Motion must last this long before it counts (insects, rain). */
    minDurationMs: z.number().int().min(0).max(30_000, 'minDurationMs is at most 30000').default(1000),
    /** Look for objects on frames with motion. */
    objects: z.boolean().default(true),
    labels: LabelList.default(DEFAULT_LABELS),
    /** Labels that make a review item an alert when they enter a zone (anywhere when there are no zones). */
    alertLabels: LabelList.default(DEFAULT_ALERT_LABELS),
    zones: z.array(DetectionZone).max(MAX_ZONES, `at most ${MAX_ZONES} zones`).default([]),
    masks: z.array(Polygon).max(MAX_MASKS, `at most ${MAX_MASKS} masks`).default([]),
    /** Show a desktop notification for this camera's alerts. */
    notify: z.boolean().default(false),
  })
  .strict();
const uniqueZoneIds = (c: { zones: { id: string }[] }) => new Set(c.zones.map((zone) => zone.id)).size === c.zones.length;
const UNIQUE_ZONES = { message: 'two zones have the same id', path: ['zones'] };

export const DetectionConfig = DetectionConfigFields.refine(uniqueZoneIds, UNIQUE_ZONES);
export type DetectionConfig = z.infer<typeof DetectionConfig>;
export type DetectionConfigInput = z.input<typeof DetectionConfig>;

/** The config a camera has before anyone set one: detection off. */
export const defaultDetectionConfig = (): DetectionConfig => DetectionConfig.parse({});

/** PUT /api/cameras/:id/detection: the whole config (omitted fields take their defaults). */
export const SetDetectionConfigInput = DetectionConfigFields.extend({ id: Id }).refine(uniqueZoneIds, UNIQUE_ZONES);
export type SetDetectionConfigInput = z.input<typeof SetDetectionConfigInput>;

// ---------------------------------------------------------------------------
// Runtime status
// ---------------------------------------------------------------------------

export const DetectionRuntime = z.object({
  /** off: detection is switched off (or the camera is disabled); starting: waiting for frames; running; error: see lastError. */
  state: z.enum(['off', 'starting', 'running', 'error']),
  /** Frames decoded and run through motion detection since detection started. */
  framesProcessed: z.number().int(),
  /** Frames skipped because the detector was busy (never slows recording). */
  framesDropped: z.number().int(),
  /** Video fragments the decoder skipped because it fell behind (their frames were never decoded). */
  fragmentsSkipped: z.number().int(),
  /** What is decoded now: every frame, or keyframes only while the picture is still (stillDecoding); null while off. */
  decoding: z.enum(['every-frame', 'keyframes']).nullable(),
  /** Object detector runs and the frames it had to skip. */
  inferences: z.number().int(),
  inferencesDropped: z.number().int(),
  motion: z.boolean(),
  /** Tracked objects now in view, per label. */
  objects: z.record(z.string(), z.number().int()),
  lastError: z.string().nullable(),
});
export type DetectionRuntime = z.infer<typeof DetectionRuntime>;

export const CameraDetection = z.object({
  cameraId: Id,
  config: DetectionConfig,
  runtime: DetectionRuntime,
  /** False when no object model could be loaded (motion still works). */
  objectsAvailable: z.boolean(),
});
export type CameraDetection = z.infer<typeof CameraDetection>;

// ---------------------------------------------------------------------------
// Events (GET /api/events additions; the record itself is in onvif.ts)
// ---------------------------------------------------------------------------

/** Normalised box 0–1 of the picture. */
export const EventBox = z.object({ x: z.number(), y: z.number(), w: z.number(), h: z.number() });
export type EventBox = z.infer<typeof EventBox>;

/**
 * The `kind` filter of GET /api/events: motion / object / tamper match the
 * event's `kind`; onvif matches every event the camera itself reported.
 */
export const EventKindFilter = z.enum(['motion', 'object', 'tamper', 'onvif']);
export type EventKindFilter = z.infer<typeof EventKindFilter>;

// ---------------------------------------------------------------------------
// Review
// ---------------------------------------------------------------------------

export const ReviewSeverity = z.enum(['alert', 'detection']);
export type ReviewSeverity = z.infer<typeof ReviewSeverity>;

export const MAX_REVIEW_PER_QUERY = 2000;

const QueryBoolean = z.preprocess((v) => (v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : v), z.boolean());

export const ReviewQuery = z
  .object({
    from: UtcMs,
    to: UtcMs,
    camera: Id.optional(),
    label: ObjectLabel.optional(),
    zone: ZoneId.optional(),
    severity: ReviewSeverity.optional(),
    /** false: only items not yet reviewed. */
    reviewed: QueryBoolean.optional(),
    limit: z.coerce.number().int().min(1).max(MAX_REVIEW_PER_QUERY).optional(),
  })
  .strict()
  .refine((q) => q.from < q.to, { message: '"from" must be before "to"', path: ['from'] })
  .refine((q) => q.to - q.from <= MAX_REVIEW_SPAN_MS, { message: 'time range is longer than 400 days', path: ['to'] });
export type ReviewQuery = z.input<typeof ReviewQuery>;

export const ReviewItem = z.object({
  id: Id,
  cameraId: Id,
  start: UtcMs,
  /** null while the activity goes on. */
  end: UtcMs.nullable(),
  severity: ReviewSeverity,
  /** Objects seen, most important first. */
  labels: z.array(ObjectLabel),
  /** Zones entered. */
  zones: z.array(z.string()),
  /** ONVIF event kinds the camera reported during it ("motion", "tamper"). */
  onvif: z.array(z.string()),
  reviewed: z.boolean(),
  /** Opaque id of the picture; the JPEG is GET /api/review/:id/thumbnail. null = none yet. */
  thumbnailId: z.string().nullable(),
  eventIds: z.array(Id),
  /** The footage to play or export: [clipStart, clipEnd) of `cameraId` (a little before and after the activity). */
  clipStart: UtcMs,
  clipEnd: UtcMs,
});
export type ReviewItem = z.infer<typeof ReviewItem>;

export const SetReviewedInput = z
  .object({
    id: Id,
    /** Default true; false marks it unreviewed again. */
    reviewed: z.boolean().optional(),
  })
  .strict();
export type SetReviewedInput = z.input<typeof SetReviewedInput>;

// ---------------------------------------------------------------------------
// Alerts: MQTT and desktop notifications
// ---------------------------------------------------------------------------

export const MqttState = z.enum(['off', 'connecting', 'connected', 'error']);
export type MqttState = z.infer<typeof MqttState>;

/** mqtt:// or mqtts:// host[:port], nothing else (no ws:, no paths with credentials). */
export const MqttUrl = z
  .string()
  .trim()
  .max(512)
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not a valid URL (expected mqtt://host[:port] or mqtts://host[:port])' });
      return;
    }
    if (url.protocol !== 'mqtt:' && url.protocol !== 'mqtts:') ctx.addIssue({ code: 'custom', message: 'only mqtt:// and mqtts:// URLs are accepted' });
    else if (!url.hostname) ctx.addIssue({ code: 'custom', message: 'URL has no host' });
    else if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'give the username and password as fields, not in the URL' });
  });

const TopicPrefix = z.string().regex(/^[A-Za-z0-9_-]{1,64}(\/[A-Za-z0-9_-]{1,64}){0,3}$/, 'topic prefixes are words of letters, digits, _ or - joined by "/"');

export const MqttSettings = z.object({
  enabled: z.boolean(),
  /** null until configured. */
  url: z.string().nullable(),
  username: z.string().nullable(),
  /** The password is stored encrypted and never returned. */
  hasPassword: z.boolean(),
  /** A PEM CA certificate to trust for mqtts:// (besides the system's). */
  hasCa: z.boolean(),
  /** Verify the broker's certificate (mqtts://). */
  rejectUnauthorized: z.boolean(),
  topicPrefix: z.string(),
  /** Publish Home Assistant MQTT discovery config. */
  homeAssistant: z.boolean(),
  discoveryPrefix: z.string(),
  /** Publish snapshot JPEGs of alerts and detections. */
  snapshots: z.boolean(),
  state: MqttState,
  /** Credentials redacted. */
  lastError: z.string().nullable(),
});
export type MqttSettings = z.infer<typeof MqttSettings>;

export const AlertSettings = z.object({ mqtt: MqttSettings });
export type AlertSettings = z.infer<typeof AlertSettings>;

export const UpdateAlertSettingsInput = z
  .object({
    mqtt: z
      .object({
        enabled: z.boolean().optional(),
        url: MqttUrl.nullable().optional(),
        username: z.string().max(256).nullable().optional(),
        /** null or "" clears it. */
        password: z.string().max(256).nullable().optional(),
        /** PEM; null clears it. */
        ca: z
          .string()
          .max(64 * 1024, 'the CA certificate is longer than 64 KiB')
          .refine((s) => s.includes('-----BEGIN CERTIFICATE-----'), 'the CA must be a PEM certificate')
          .nullable()
          .optional(),
        rejectUnauthorized: z.boolean().optional(),
        topicPrefix: TopicPrefix.optional(),
        homeAssistant: z.boolean().optional(),
        discoveryPrefix: TopicPrefix.optional(),
        snapshots: z.boolean().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type UpdateAlertSettingsInput = z.input<typeof UpdateAlertSettingsInput>;

const CameraRef = z.object({ id: Id }).strict();
const NoInput = z.object({}).strict().optional();

export const detectionOperations = {
  getDetection: { input: CameraRef, output: CameraDetection },
  listZones: { input: CameraRef, output: z.array(ZoneName) },
  setDetection: { input: SetDetectionConfigInput, output: CameraDetection },
  listReview: { input: ReviewQuery, output: z.array(ReviewItem) },
  getReviewItem: { input: CameraRef, output: ReviewItem },
  setReviewed: { input: SetReviewedInput, output: ReviewItem },
  getAlertSettings: { input: NoInput, output: AlertSettings },
  updateAlertSettings: { input: UpdateAlertSettingsInput, output: AlertSettings },
} as const;
