/**
 * Serves a segment's MP4 (or a thumbnail, an export file) with Range support
 * (206), for <video> and for MSE playback. Transport-neutral: it writes to a
 * Node ServerResponse; the bytes come from the storage module.
 *
 * Caching: a strong ETag bound to the content (the file's identity — device,
 * inode, size, modification time — and the row it belongs to) with
 * `Cache-Control: private, no-cache`: a browser may keep a copy but asks
 * every time (If-None-Match → 304), so an id can never show stale footage.
 */
import type { ServerResponse } from 'node:http';
import type { Store } from '../storage/store.ts';
import type { ServedFile } from '../storage/segment-files.ts';
import { notFound } from '../errors.ts';
import { parseRange } from './range.ts';

export type { ServedFile } from '../storage/segment-files.ts';

export const MEDIA_CACHE_CONTROL = 'private, no-cache';

export async function resolveSegmentFile(store: Store, id: number): Promise<ServedFile> {
  const segment = store.getSegment(id);
  if (!segment) throw notFound(`no recording with id ${id}`);
  return store.files.served(segment.file, `s${segment.id}`, `the file of recording ${id}`);
}

/** RFC 9110 §13.1.2: does If-None-Match name this ETag (weak comparison, as for GET and HEAD)? */
export function etagMatches(ifNoneMatch: string | string[] | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const header = Array.isArray(ifNoneMatch) ? ifNoneMatch.join(',') : ifNoneMatch;
  const opaque = etag.replace(/^W\//, '');
  return header.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag.replace(/^W\//, '') === opaque;
  });
}

/**
 * Sends `file`, honouring Range and If-None-Match (read from the request this
 * response belongs to: `res.req`).
 */
export function sendFileWithRange(res: ServerResponse, file: ServedFile, rangeHeader: string | undefined, contentType: string, headOnly = false): void {
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Content-Type', contentType);
  res.setHeader('ETag', file.etag);
  res.setHeader('Cache-Control', MEDIA_CACHE_CONTROL);
  if (etagMatches(res.req?.headers['if-none-match'], file.etag)) {
    res.writeHead(304);
    res.end();
    return;
  }
  const range = parseRange(rangeHeader, file.size);
  if (range.kind === 'unsatisfiable') {
    res.writeHead(416, { 'Content-Range': `bytes */${file.size}` });
    res.end();
    return;
  }
  const [start, end] = range.kind === 'partial' ? [range.start, range.end] : [0, file.size - 1];
  if (range.kind === 'partial') {
    res.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${file.size}`, 'Content-Length': end - start + 1 });
  } else {
    res.writeHead(200, { 'Content-Length': file.size });
  }
  if (headOnly || file.size === 0) {
    res.end();
    return;
  }
  const stream = file.body(start, end);
  stream.on('error', () => res.destroy());
  res.on('close', () => stream.destroy());
  stream.pipe(res);
}
