/**
 * Serves a segment's MP4 by id, with Range support (206), for <video> and
 * for MSE playback. Transport-neutral: it writes to a Node ServerResponse-like
 * sink, used by the HTTP server and by the desktop's privileged scheme.
 */
import { createReadStream, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import type { Store } from '../storage/store.ts';
import { notFound } from '../errors.ts';
import { containedRealPath } from './media-path.ts';
import { parseRange } from './range.ts';

export function resolveSegmentFile(store: Store, id: number): { path: string; size: number; mtimeMs: number } {
  const segment = store.getSegment(id);
  if (!segment) throw notFound(`no recording with id ${id}`);
  let path: string;
  try {
    path = containedRealPath(store.absolutePath(segment.file), store.recordingsRoot);
  } catch {
    throw notFound(`the file of recording ${id} is gone`);
  }
  const st = statSync(path);
  return { path, size: st.size, mtimeMs: st.mtimeMs };
}

export function sendFileWithRange(
  res: ServerResponse,
  file: { path: string; size: number; mtimeMs: number },
  rangeHeader: string | undefined,
  contentType: string,
  headOnly = false,
): void {
  const range = parseRange(rangeHeader, file.size);
  const etag = `"${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}"`;
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Content-Type', contentType);
  res.setHeader('ETag', etag);
  res.setHeader('Cache-Control', 'private, max-age=3600');
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
  const stream = createReadStream(file.path, { start, end });
  stream.on('error', () => res.destroy());
  res.on('close', () => stream.destroy());
  stream.pipe(res);
}
