/**
 * ONVIF operations (docs/onvif.md, docs/API.md "ONVIF"): finding cameras on
 * the network, trying a device before adding it, its profiles, snapshots,
 * PTZ, and the camera events it reports.
 *
 * Adding an ONVIF camera is `addCamera` with an `onvif` field (core.ts and
 * ./onvif-camera.ts). Binary snapshots are also a raw route,
 * `GET /api/cameras/:id/snapshot` (image/jpeg), for <img> in a browser.
 */
import { z } from 'zod';
import { MAX_QUERY_SPAN_MS } from './core.ts';
import { Id, UtcMs } from './primitives.ts';
import { EventBox, EventKindFilter, ObjectLabel } from './detection.ts';
import { EndpointRef, OnvifCameraDetails, OnvifDeviceInfo, OnvifLogin, OnvifProfile, OnvifToken } from './onvif-camera.ts';

export * from './onvif-camera.ts';

// ---------------------------------------------------------------------------
// Discovery
// ---------------------------------------------------------------------------

export const MAX_DISCOVERY_ADDRESSES = 64;

export const DiscoveryInput = z
  .object({
    /**
     * Interfaces to send the multicast probe on, by name ("eth0", "lo").
     * Omitted: the engine's default (every IPv4 interface, or none in the
     * loopback-only demo); [] = unicast only.
     */
    interfaces: z
      .array(z.string().regex(/^[A-Za-z0-9_.:@-]{1,32}$/, 'interface names are 1 to 32 letters, digits or ._:@-'))
      .max(32, 'at most 32 interfaces')
      .optional(),
    /** Unicast probe targets: "192.168.1.20", "192.168.1.20:3702", "192.168.1.10-20" (at most 256 addresses in all). */
    addresses: z
      .array(z.string().trim().min(1, 'an address is empty').max(64, 'an address is longer than 64 characters'))
      .max(MAX_DISCOVERY_ADDRESSES, `at most ${MAX_DISCOVERY_ADDRESSES} address entries`)
      .optional(),
    /** How long to listen for answers (default 3000 ms). */
    timeoutMs: z.number().int().min(200, 'timeoutMs must be at least 200').max(15_000, 'timeoutMs must be at most 15000').optional(),
  })
  .strict();
export type DiscoveryInput = z.input<typeof DiscoveryInput>;

export const DiscoveredCamera = z.object({
  /** WS-Discovery endpoint reference (urn:uuid:…). */
  endpointRef: z.string(),
  name: z.string().nullable(),
  /** The hardware scope: usually the model. */
  hardware: z.string().nullable(),
  location: z.string().nullable(),
  /** Device service addresses; the one on the host that answered first. */
  xaddrs: z.array(z.string()),
  /** The IP address that answered. */
  address: z.string(),
  /** Interfaces whose multicast probe it answered. */
  interfaces: z.array(z.string()),
  /** True when it answered a unicast probe. */
  unicast: z.boolean(),
  /** Other hosts that claimed the same endpoint reference (never merged into this one). */
  conflictingSources: z.array(z.string()),
  /** True when a camera with this endpoint reference on this host (or this very address) is already added. */
  added: z.boolean(),
  cameraId: Id.nullable(),
});
export type DiscoveredCamera = z.infer<typeof DiscoveredCamera>;

export const DiscoveryResult = z.object({
  devices: z.array(DiscoveredCamera),
  /** One entry per interface probed: its address, or why probing there failed. */
  interfaces: z.array(z.object({ name: z.string(), address: z.string().nullable(), error: z.string().nullable() })),
  unicastTargets: z.number().int(),
  /** Answers dropped as malformed, hostile or meant for someone else. */
  rejectedMessages: z.number().int(),
  durationMs: z.number().int(),
});
export type DiscoveryResult = z.infer<typeof DiscoveryResult>;

export const DiscoveryDefaults = z.object({
  /** IPv4 interfaces a multicast probe may go out on, and whether the scan uses each by default. */
  interfaces: z.array(z.object({ name: z.string(), address: z.string(), selected: z.boolean() })),
  /** Unicast addresses the scan includes by default (the demo's simulated cameras). */
  addresses: z.array(z.string()),
  /** True when discovery may only touch loopback (demo, tests). */
  loopbackOnly: z.boolean(),
  timeoutMs: z.number().int(),
});
export type DiscoveryDefaults = z.infer<typeof DiscoveryDefaults>;

// ---------------------------------------------------------------------------
// Trying a device before adding it
// ---------------------------------------------------------------------------

export const OnvifProbeInput = OnvifLogin.extend({ endpointRef: EndpointRef.optional() }).strict();
export type OnvifProbeInput = z.input<typeof OnvifProbeInput>;

export const SnapshotImage = z.object({
  contentType: z.enum(['image/jpeg', 'image/png']),
  /** data:image/jpeg;base64,… */
  dataUrl: z.string(),
  /** onvif: the camera's snapshot address; stream: one frame decoded from its video stream. */
  source: z.enum(['onvif', 'stream']),
  takenAt: UtcMs,
});
export type SnapshotImage = z.infer<typeof SnapshotImage>;

export const OnvifProbe = z.object({
  xaddr: z.string(),
  device: OnvifDeviceInfo,
  profiles: z.array(OnvifProfile),
  /** The automatic choice: main = sharpest H.264/H.265, sub = smallest useful one. */
  mainProfile: z.string(),
  subProfile: z.string().nullable(),
  /** Profile tokens that can be recorded (H.264/H.265). */
  recordableProfiles: z.array(z.string()),
  ptz: z.boolean(),
  events: z.boolean(),
  clockOffsetMs: z.number().int(),
  snapshot: SnapshotImage.nullable(),
  /** Why there is no snapshot, when there is none. */
  snapshotError: z.string().nullable(),
  warnings: z.array(z.string()),
  /** The camera already added for this device, if any. */
  existingCamera: z.object({ id: Id, name: z.string() }).nullable(),
  suggestedName: z.string(),
});
export type OnvifProbe = z.infer<typeof OnvifProbe>;

// ---------------------------------------------------------------------------
// An ONVIF camera: details, profiles, snapshots, PTZ
// ---------------------------------------------------------------------------

export const OnvifCameraQuery = z
  .object({
    id: Id,
    /** Ask the camera again for its device information and profiles (default: what was stored). */
    refresh: z
      .preprocess((v) => (v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : v), z.boolean())
      .optional(),
  })
  .strict();

export const SetOnvifProfilesInput = z
  .object({
    id: Id,
    mainProfile: OnvifToken,
    /** null = no sub stream. */
    subProfile: OnvifToken.nullable(),
  })
  .strict();
export type SetOnvifProfilesInput = z.input<typeof SetOnvifProfilesInput>;

/** ONVIF's generic speed space: -1..1 per axis. */
const Speed = z.number().min(-1, 'speeds are between -1 and 1').max(1, 'speeds are between -1 and 1');
/** The camera stops by itself after this long if our Stop is lost. */
const MoveTimeout = z.number().positive().max(60, 'a move lasts at most 60 s before the camera stops by itself');

export const PtzInput = z.discriminatedUnion('action', [
  z.object({ id: Id, action: z.literal('move'), pan: Speed.optional(), tilt: Speed.optional(), zoom: Speed.optional(), timeoutSeconds: MoveTimeout.optional() }).strict(),
  z.object({ id: Id, action: z.literal('stop'), panTilt: z.boolean().optional(), zoom: z.boolean().optional() }).strict(),
  z.object({ id: Id, action: z.literal('zoom'), speed: Speed, timeoutSeconds: MoveTimeout.optional() }).strict(),
  z.object({ id: Id, action: z.literal('home') }).strict(),
  z
    .object({
      id: Id,
      action: z.literal('preset'),
      /** goto and remove need `token`; set saves the current position (as `token` to overwrite one, or a new preset named `name`). */
      preset: z.enum(['goto', 'set', 'remove']),
      token: OnvifToken.optional(),
      name: z.string().trim().min(1, 'the preset name is empty').max(64, 'the preset name is longer than 64 characters').optional(),
    })
    .strict()
    .refine((v) => v.preset === 'set' || v.token !== undefined, { message: 'goto and remove need the preset "token"', path: ['token'] }),
]);
export type PtzInput = z.input<typeof PtzInput>;

export const PtzPreset = z.object({ token: z.string(), name: z.string() });
export type PtzPreset = z.infer<typeof PtzPreset>;

export const PtzResult = z.object({
  action: z.string(),
  /** The preset saved by preset/set. */
  presetToken: z.string().nullable(),
});
export type PtzResult = z.infer<typeof PtzResult>;

// ---------------------------------------------------------------------------
// Camera events
// ---------------------------------------------------------------------------

export const MAX_EVENTS_PER_QUERY = 5000;

export const EventsQuery = z
  .object({
    /** One camera; omitted = every camera. */
    camera: Id.optional(),
    from: UtcMs,
    to: UtcMs,
    limit: z.coerce.number().int().min(1).max(MAX_EVENTS_PER_QUERY).optional(),
    /** motion, object, tamper: events of that kind; onvif: every event the camera itself reported (detection.ts). */
    kind: EventKindFilter.optional(),
    /** Object events of this label. */
    label: ObjectLabel.optional(),
  })
  .strict()
  .refine((q) => q.from < q.to, { message: '"from" must be before "to"', path: ['from'] })
  .refine((q) => q.to - q.from <= MAX_QUERY_SPAN_MS, { message: 'time range is longer than 400 days', path: ['to'] });
export type EventsQuery = z.input<typeof EventsQuery>;

export const CameraEventRecord = z.object({
  id: Id,
  cameraId: Id,
  /** motion or tamper (reported by the camera), motion or object (Keepwatch's own detection). */
  kind: z.string(),
  start: UtcMs,
  /** null while the event is still going on. */
  end: UtcMs.nullable(),
  /** Which part of the camera raised it (e.g. "VideoSourceConfigurationToken=vsc1,Rule=MotionRule"). */
  source: z.string(),
  topic: z.string(),
  /** Who saw it: the camera (ONVIF) or Keepwatch's own detection. */
  origin: z.enum(['onvif', 'detection']),
  /** Object events: what, how sure (best score), where (best box, 0–1) and which zones it entered; null/[] otherwise. */
  label: ObjectLabel.nullable(),
  score: z.number().nullable(),
  box: EventBox.nullable(),
  zones: z.array(z.string()),
});
export type CameraEventRecord = z.infer<typeof CameraEventRecord>;

const CameraRef = z.object({ id: Id }).strict();
const NoInput = z.object({}).strict().optional();

export const onvifOperations = {
  getDiscoveryDefaults: { input: NoInput, output: DiscoveryDefaults },
  discoverCameras: { input: DiscoveryInput, output: DiscoveryResult },
  probeOnvif: { input: OnvifProbeInput, output: OnvifProbe },
  getOnvifCamera: { input: OnvifCameraQuery, output: OnvifCameraDetails },
  setOnvifProfiles: { input: SetOnvifProfilesInput, output: OnvifCameraDetails },
  /** A snapshot as a data: URL (the bridge carries JSON); the browser can also use GET /api/cameras/:id/snapshot. */
  getSnapshot: { input: CameraRef, output: SnapshotImage },
  ptz: { input: PtzInput, output: PtzResult },
  listPtzPresets: { input: CameraRef, output: z.array(PtzPreset) },
  listEvents: { input: EventsQuery, output: z.array(CameraEventRecord) },
} as const;
