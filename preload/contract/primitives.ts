/**
 * Primitive schemas shared by every part of the contract: ids, UTC times,
 * camera URLs, names. No electron import; safe in Node, preload and browser.
 */
import { z } from 'zod';

// ---------------------------------------------------------------------------
// Primitives
// ---------------------------------------------------------------------------

/** Database ids are positive integers; anything else ("../../etc/passwd") is rejected. */
export const Id = z.preprocess(
  // Path and query parameters arrive as strings: accept plain digits only, so
  // "1e3", " 7", "0x10" or "../../etc/passwd" are refused rather than coerced.
  (v) => (typeof v === 'string' && /^\d{1,16}$/.test(v) ? Number(v) : v),
  z
    .number({ error: 'id must be a positive integer' })
    .int('id must be a positive integer')
    .positive('id must be a positive integer')
    .max(Number.MAX_SAFE_INTEGER, 'id is too large'),
);

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

export const Name = z.string().trim().min(1, 'name is empty').max(100, 'name is longer than 100 characters');
export const Username = z.string().max(256, 'username is too long');
export const Password = z.string().max(256, 'password is too long');

export const RetentionPolicy = z
  .object({
    /** Keep at most this many days of this camera; null = keep until the disk budget needs room. */
    maxAgeDays: z.number().positive('maxAgeDays must be positive').max(3650).nullable(),
    /**
     * Keep footage around events and review items (detection, ONVIF) this many
     * days instead; null/omitted = like the rest. Only longer than maxAgeDays
     * makes a difference (docs/detection.md "Retention").
     */
    eventsMaxAgeDays: z.number().positive('eventsMaxAgeDays must be positive').max(3650).nullable().optional(),
  })
  .strict();
export type RetentionPolicy = z.infer<typeof RetentionPolicy>;

