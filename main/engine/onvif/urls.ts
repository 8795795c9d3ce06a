/**
 * Every URL a camera hands us (service addresses, stream and snapshot URIs,
 * subscription addresses) is untrusted. Two rules keep a hostile or confused
 * device contained:
 *
 * 1. We only ever talk to the host the user pointed us at. A service address
 *    on another host keeps its path but takes the scheme, host and port the
 *    user gave (the device answered there, and behind NAT or a port forward
 *    the reported address is unreachable anyway). A media URL on another host
 *    keeps its own port (RTSP is forwarded separately) but moves onto the
 *    device's host. So a camera can neither make us send its credentials
 *    elsewhere nor pass off another camera's stream as its own.
 * 2. Streams are rtsp:// or rtsps:// only (never file:, pipe:, concat:, http:,
 *    or anything ffmpeg could read as an option); login details inside a URL
 *    are accepted only when they are the username we logged in with, and are
 *    always stripped — credentials are injected later, by the recorder.
 */
import { rtspUrlProblem } from '../../../preload/contract/primitives.ts';
import { OnvifError } from './errors.ts';
import { safeDecode } from './text.ts';

const MAX_URL_LENGTH = 2048;

/** A service/subscription address reported by the device, rebased onto the device's host; undefined if unusable. */
export function rebaseServiceUrl(reported: string | undefined, device: URL): string | undefined {
  if (!reported || reported.length > MAX_URL_LENGTH) return undefined;
  let url: URL;
  try {
    url = new URL(reported);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  url.username = '';
  url.password = '';
  url.hash = '';
  if (url.hostname !== device.hostname) {
    url.protocol = device.protocol;
    url.host = device.host;
  }
  return url.toString();
}

export type CameraUrlResult = { ok: true; url: string } | { ok: false; problem: string };

/**
 * Checks one media URL from the camera.
 * @param schemes accepted protocols, e.g. ['rtsp:', 'rtsps:']
 * @param username the username we logged in with (login details naming anyone else are refused)
 */
export function checkCameraUrl(raw: string, device: URL, schemes: string[], username?: string): CameraUrlResult {
  if (raw.length > MAX_URL_LENGTH) return { ok: false, problem: 'the URL is too long' };
  if (raw.startsWith('-')) return { ok: false, problem: 'the URL starts with "-"' };
  if (/[\s\u0000-\u001f\u007f]/.test(raw)) return { ok: false, problem: 'the URL contains spaces or control characters' };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, problem: 'it is not a valid URL' };
  }
  if (!schemes.includes(url.protocol)) {
    return { ok: false, problem: `only ${schemes.map((s) => `${s}//`).join(' and ')} addresses are accepted, not ${url.protocol}` };
  }
  if (!url.hostname) return { ok: false, problem: 'the URL has no host' };
  if (url.hash) return { ok: false, problem: 'the URL has a #fragment' };
  if (url.username || url.password) {
    if (!username || safeDecode(url.username) !== username) {
      return { ok: false, problem: 'the URL carries login details for someone else (or a disguised host)' };
    }
    url.username = '';
    url.password = '';
  }
  if (url.hostname !== device.hostname) url.hostname = device.hostname;
  const result = url.toString();
  // The project's own RTSP rule (also applied when a camera is added by URL) has the last word.
  if (url.protocol === 'rtsp:' || url.protocol === 'rtsps:') {
    const problem = rtspUrlProblem(result);
    if (problem) return { ok: false, problem };
  }
  return { ok: true, url: result };
}

/** A stream URI, or an OnvifError('BAD_STREAM_URI'). The URI itself is not echoed: it may hold secrets. */
export function acceptStreamUri(raw: string, device: URL, profileToken: string, username?: string): string {
  const checked = checkCameraUrl(raw, device, ['rtsp:', 'rtsps:'], username);
  if (!checked.ok) {
    throw new OnvifError('BAD_STREAM_URI', `The camera's stream address for profile "${profileToken.slice(0, 64)}" is not usable: ${checked.problem}`);
  }
  return checked.url;
}

/** A snapshot URI, or undefined when the camera's is unusable (snapshots are optional). */
export function acceptSnapshotUri(raw: string | undefined, device: URL, username?: string): string | undefined {
  if (!raw) return undefined;
  const checked = checkCameraUrl(raw, device, ['http:', 'https:'], username);
  return checked.ok ? checked.url : undefined;
}
