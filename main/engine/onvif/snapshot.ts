/**
 * Fetching a JPEG from a camera's snapshot URI (the preview in "Add camera",
 * GET /api/cameras/:id/snapshot). Snapshot URIs are plain HTTP(S) GETs, usually
 * behind HTTP Digest. Basic authentication is deliberately not offered: it
 * would send the password in clear over the LAN.
 */
import { AUTH_FAILED_MESSAGE, OnvifError } from './errors.ts';
import { hostLabel, httpRequest, type HttpReply } from './http.ts';
import { digestAuthorization, parseDigestChallenges } from './http-digest.ts';
import { DEFAULT_TIMEOUT_MS, parseHttpUrl } from './soap.ts';

export interface SnapshotOptions {
  /** The snapshot URI from onboarding (already checked: http(s), on the device host, no credentials). */
  uri: string;
  username?: string;
  password?: string;
  timeoutMs?: number;
  /** Largest image accepted (default 8 MiB). */
  maxBytes?: number;
  rejectUnauthorized?: boolean;
  /** Aborts the request (the camera was removed meanwhile). */
  signal?: AbortSignal;
}

export interface Snapshot {
  /** Decided from the image's own bytes, not from the camera's Content-Type header. */
  contentType: 'image/jpeg' | 'image/png';
  body: Buffer;
}

function imageType(body: Buffer): Snapshot['contentType'] | undefined {
  if (body.length > 3 && body[0] === 0xff && body[1] === 0xd8 && body[2] === 0xff) return 'image/jpeg';
  if (body.length > 8 && body.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  return undefined;
}

export async function fetchSnapshot(options: SnapshotOptions): Promise<Snapshot> {
  const url = parseHttpUrl(options.uri, 'snapshot address');
  const get = (authorization?: string): Promise<HttpReply> =>
    httpRequest(url, undefined, {
      method: 'GET',
      headers: authorization ? { Accept: 'image/*', Authorization: authorization } : { Accept: 'image/*' },
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxResponseBytes: options.maxBytes ?? 8 * 1024 * 1024,
      rejectUnauthorized: options.rejectUnauthorized,
      signal: options.signal,
    });

  let reply = await get();
  if (reply.status === 401 && options.username) {
    const challenge = parseDigestChallenges(reply.rawHeaders)[0];
    if (challenge) {
      const credentials = { username: options.username, password: options.password ?? '' };
      reply = await get(digestAuthorization(challenge, credentials, 'GET', url.pathname + url.search));
    }
  }
  if (reply.status === 401 || reply.status === 403) {
    throw new OnvifError('AUTH_FAILED', options.username ? `${AUTH_FAILED_MESSAGE} (snapshot)` : 'The camera requires a username and password for snapshots');
  }
  if (reply.status < 200 || reply.status >= 300) {
    throw new OnvifError('HTTP_ERROR', `The camera at ${hostLabel(url)} answered the snapshot request with HTTP ${reply.status}`);
  }
  const contentType = imageType(reply.body);
  if (!contentType) throw new OnvifError('BAD_RESPONSE', `The camera at ${hostLabel(url)} did not return a JPEG or PNG image`);
  return { contentType, body: reply.body };
}
