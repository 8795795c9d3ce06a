/**
 * keepwatch-media://recording/<id>: a recording, by id, for the desktop
 * renderer, with Range (206) for <video> seeking and MSE. Registered with
 * protocol.handle in main.ts; the handler itself is a plain
 * (Request) => Promise<Response>, tested without Electron.
 *
 * The engine host maps the id to a file (the Store's index); this side checks
 * again that the real path, after resolving symlinks, lies inside the
 * recordings folder (playback/media-path.ts), then streams the byte range
 * (playback/range.ts: the same Range rules as the HTTP server).
 */
import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { Id, type Result } from '../../preload/api.ts';
import { containedRealPath, MediaPathError } from '../engine/playback/media-path.ts';
import { parseRange } from '../engine/playback/range.ts';
import type { MediaFile } from './host-protocol.ts';
import { MEDIA_SCHEME, parseStrictUrl } from './security.ts';

export const MEDIA_HOST = 'recording';

/** The URL the renderer uses for a recording. */
export function mediaUrlFor(segmentId: number): string {
  return `${MEDIA_SCHEME}://${MEDIA_HOST}/${segmentId}`;
}

export type MediaUrlParse = { ok: true; id: number } | { ok: false; status: 400 | 404; message: string };

/** keepwatch-media://recording/<positive integer>, nothing else. */
export function parseMediaUrl(raw: string): MediaUrlParse {
  const url = parseStrictUrl(raw);
  if (!url || url.protocol !== `${MEDIA_SCHEME}:`) return { ok: false, status: 400, message: 'not a recording URL' };
  if (url.hostname !== MEDIA_HOST || url.port !== '') return { ok: false, status: 404, message: 'unknown media host' };
  const m = /^\/([^/]+)$/.exec(url.pathname);
  if (!m) return { ok: false, status: 404, message: 'expected keepwatch-media://recording/<id>' };
  if (!/^\d{1,16}$/.test(m[1])) return { ok: false, status: 400, message: 'recording id must be a positive integer' };
  const id = Id.safeParse(m[1]);
  if (!id.success) return { ok: false, status: 400, message: 'recording id must be a positive integer' };
  return { ok: true, id: id.data };
}

export interface MediaHandlerDeps {
  /** Asks the engine which file holds a recording. */
  resolve(segmentId: number): Promise<Result<MediaFile>>;
  /** The recordings folder (the containment root). */
  recordingsRoot(): string;
  /** The app's page origin, allowed to fetch() recordings for MSE. */
  allowOrigin(): string | null;
}

const ERROR_STATUS: Record<string, number> = { invalid_input: 400, not_found: 404, conflict: 409, unavailable: 503, internal: 500 };

export function createMediaHandler(deps: MediaHandlerDeps): (request: Request) => Promise<Response> {
  return async (request) => {
    const base: Record<string, string> = { 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'private, max-age=3600' };
    const origin = deps.allowOrigin();
    if (origin) {
      base['Access-Control-Allow-Origin'] = origin;
      base['Access-Control-Expose-Headers'] = 'Content-Range, Content-Length, Accept-Ranges';
      base['Vary'] = 'Origin';
    }
    const text = (status: number, message: string, extra: Record<string, string> = {}) =>
      new Response(request.method === 'HEAD' ? null : message, { status, headers: { ...base, 'Content-Type': 'text/plain; charset=utf-8', ...extra } });

    if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, 'only GET and HEAD', { Allow: 'GET, HEAD' });
    const parsed = parseMediaUrl(request.url);
    if (!parsed.ok) return text(parsed.status, parsed.message);

    const resolved = await deps.resolve(parsed.id);
    if (!resolved.ok) return text(ERROR_STATUS[resolved.error.code] ?? 500, resolved.error.message);

    let path: string;
    try {
      path = containedRealPath(resolved.value.path, deps.recordingsRoot());
    } catch (err) {
      if (err instanceof MediaPathError && /outside/.test(err.message)) return text(403, 'the recording lies outside the recordings folder');
      return text(404, `the file of recording ${parsed.id} is gone`);
    }
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(path);
    } catch {
      stat = undefined; // deleted by retention a moment ago
    }
    if (!stat?.isFile()) return text(404, `the file of recording ${parsed.id} is gone`);
    const size = stat.size;
    const range = parseRange(request.headers.get('range') ?? undefined, size);
    const headers: Record<string, string> = {
      ...base,
      'Content-Type': 'video/mp4',
      'Accept-Ranges': 'bytes',
      ETag: `"${size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`,
    };
    if (range.kind === 'unsatisfiable') return new Response(null, { status: 416, headers: { ...headers, 'Content-Range': `bytes */${size}` } });

    const [start, end] = range.kind === 'partial' ? [range.start, range.end] : [0, size - 1];
    const status = range.kind === 'partial' ? 206 : 200;
    if (range.kind === 'partial') headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    headers['Content-Length'] = String(size === 0 ? 0 : end - start + 1);
    if (request.method === 'HEAD' || size === 0) return new Response(null, { status, headers });
    const body = Readable.toWeb(createReadStream(path, { start, end })) as unknown as ReadableStream<Uint8Array>;
    return new Response(body, { status, headers });
  };
}
