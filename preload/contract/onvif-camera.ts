/**
 * The ONVIF pieces the core camera operations need: adding a camera by its
 * ONVIF address (a variant of AddCameraInput) and what onboarding reports
 * back. Kept apart from ./onvif.ts so core.ts can use them without an import
 * cycle (this file depends on the primitives only).
 */
import { z } from 'zod';
import { Name, Password, RetentionPolicy, Username } from './primitives.ts';

const CONTROL = /[\u0000-\u001f\u007f]/;

/** Why a string is not an acceptable ONVIF device address, or null. Pure; shared with main. */
export function onvifAddressProblem(value: string): string | null {
  if (CONTROL.test(value) || /\s/.test(value)) return 'the address must not contain spaces or control characters';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'not a valid address (expected http://camera-ip/onvif/device_service)';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `ONVIF addresses are http:// or https://, not ${url.protocol}//`;
  if (!url.hostname) return 'the address has no host';
  if (url.username || url.password) return 'put the username and password in their own fields, not in the address';
  if (url.hash) return 'the address must not contain a #fragment';
  return null;
}

/**
 * The device service address of an ONVIF camera. A bare host or host:port is
 * completed to http://host[:port]/onvif/device_service, the path every ONVIF
 * device answers on.
 */
export const OnvifAddress = z
  .string()
  .trim()
  .min(1, 'the ONVIF address is empty')
  .max(2048, 'the ONVIF address is too long')
  .transform((value) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}/onvif/device_service`))
  .superRefine((value, ctx) => {
    const problem = onvifAddressProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  // One spelling per address (lower-case host, no default port), so "already added" compares like with like.
  .transform((value) => new URL(value).toString());

/** WS-Discovery endpoint reference (urn:uuid:…), as a scan reported it. */
export const EndpointRef = z
  .string()
  .min(1, 'endpointRef is empty')
  .max(256, 'endpointRef is too long')
  .regex(/^[\x21-\x7e]+$/, 'endpointRef must be printable characters without spaces');

/** An ONVIF ReferenceToken (profile or preset): 1–64 printable characters. */
export const OnvifToken = z
  .string()
  .min(1, 'token is empty')
  .max(64, 'token is longer than 64 characters')
  .refine((v) => !CONTROL.test(v) && v.trim() === v, 'token must be printable, without leading or trailing spaces');

/** How to log in to an ONVIF device. */
export const OnvifLogin = z
  .object({
    xaddr: OnvifAddress,
    username: Username,
    password: Password,
    /** Accept the camera's self-signed HTTPS certificate: an explicit choice; certificates are checked by default. */
    acceptSelfSigned: z.boolean().optional(),
  })
  .strict();
export type OnvifLogin = z.input<typeof OnvifLogin>;

/** POST /api/cameras with `onvif`: onboard the device and record it. */
export const OnvifAddCameraInput = z
  .object({
    /** Defaults to the device's maker and model. */
    name: Name.optional(),
    onvif: OnvifLogin.extend({
      /** From the scan, so the scan can later mark the device as added (only together with its host). */
      endpointRef: EndpointRef.optional(),
      /** Profile tokens to use instead of the automatic choice; subProfile null = no sub stream. */
      mainProfile: OnvifToken.optional(),
      subProfile: OnvifToken.nullable().optional(),
    }).strict(),
    enabled: z.boolean().optional(),
    retention: RetentionPolicy.optional(),
  })
  .strict();
export type OnvifAddCameraInput = z.input<typeof OnvifAddCameraInput>;

export const OnvifProfile = z.object({
  token: z.string(),
  name: z.string(),
  /** H264, H265, JPEG, MPEG4 or other; only H.264/H.265 profiles can be recorded. */
  encoding: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  /** 0 when the camera did not say. */
  fps: z.number(),
});
export type OnvifProfile = z.infer<typeof OnvifProfile>;

export const OnvifDeviceInfo = z.object({
  manufacturer: z.string(),
  model: z.string(),
  firmware: z.string(),
  serial: z.string(),
  hardwareId: z.string(),
});
export type OnvifDeviceInfo = z.infer<typeof OnvifDeviceInfo>;

/** The camera's event subscription, as the engine last saw it. */
export const OnvifEventsState = z.enum(['off', 'connecting', 'subscribed', 'lost']);
export type OnvifEventsState = z.infer<typeof OnvifEventsState>;

/** What Keepwatch knows about an ONVIF camera. Never holds credentials or the snapshot address. */
export const OnvifCameraDetails = z.object({
  cameraId: z.number().int(),
  /** The device service address (no credentials). */
  xaddr: z.string(),
  endpointRef: z.string().nullable(),
  device: OnvifDeviceInfo,
  profiles: z.array(OnvifProfile),
  mainProfile: z.string(),
  subProfile: z.string().nullable(),
  /** Stream URLs as recorded (rtsp:// or rtsps://, no credentials). */
  mainStreamUrl: z.string(),
  subStreamUrl: z.string().nullable(),
  ptz: z.boolean(),
  snapshot: z.boolean(),
  events: z.object({ supported: z.boolean(), state: OnvifEventsState, lastError: z.string().nullable() }),
  /** Camera clock minus ours at the last contact, ms. */
  clockOffsetMs: z.number().int(),
  acceptSelfSigned: z.boolean(),
  /** Things that did not stop onboarding but are worth knowing (e.g. an unusable sub stream). */
  warnings: z.array(z.string()),
});
export type OnvifCameraDetails = z.infer<typeof OnvifCameraDetails>;
