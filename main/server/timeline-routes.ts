/**
 * The binary routes of recordings, thumbnails and exports (preload/raw-routes.ts),
 * registered on the HTTP server by name; they run after the Host, method
 * and access checks (the caller holds the route's right on the camera the
 * id belongs to: main/engine/access/guard.ts), like every /api route:
 *
 *   GET /api/recordings/:id/media            a segment's MP4 (Range supported)
 *   GET /api/thumbnails/:id                  keyframe JPEG (made on first request)
 *   GET /api/exports/:id/download            the finished export as a zip
 *   GET /api/exports/:id/files/:file         one file of it (Range supported)
 *
 * Everything is addressed by id, parsed strictly (a malformed id is a 400);
 * a file name is accepted only when it is one the export's own file list
 * contains.
 */
import { Id } from '../../preload/api.ts';
import type { Engine } from '../engine/engine.ts';
import { ApiFailure } from '../engine/errors.ts';
import { resolveSegmentFile, sendFileWithRange } from '../engine/playback/media.ts';
import { writeZip, zipLength } from '../engine/export/zip-stream.ts';
import { parseThumbnailId } from '../engine/thumbnails/thumbnail-id.ts';
import type { RawRouteHandler } from './http-server.ts';
import type { RawRouteName } from '../../preload/raw-routes.ts';
import { sendFailure } from './respond.ts';

function idOf(raw: string, what: string): number {
  const id = Id.safeParse(raw);
  if (!id.success) throw new ApiFailure('invalid_input', `${what} id must be a positive integer`);
  return id.data;
}

/** Runs a handler; an ApiFailure becomes its JSON error, anything else goes to the server (a bug). */
export function guarded(handler: RawRouteHandler): RawRouteHandler {
  return async (req, res, params, caller) => {
    try {
      await handler(req, res, params, caller);
    } catch (err) {
      sendFailure(res, err);
    }
  };
}

export function timelineRawRoutes(engine: Engine): Partial<Record<RawRouteName, RawRouteHandler>> {
  return {
    recordingMedia: guarded(async (req, res, params) => {
      const file = await resolveSegmentFile(engine.store, idOf(params.id, 'recording'));
      sendFileWithRange(res, file, req.headers.range, 'video/mp4', req.method === 'HEAD');
    }),

    thumbnail: guarded(async (req, res, params) => {
      if (!parseThumbnailId(params.id)) throw new ApiFailure('invalid_input', 'a thumbnail id is <recording id>-<slot>');
      const file = await engine.thumbnails.get(params.id);
      sendFileWithRange(res, file, undefined, 'image/jpeg', req.method === 'HEAD');
    }),

    exportDownload: guarded(async (req, res, params) => {
      const id = idOf(params.id, 'export');
      const folder = engine.exports.exportName(id);
      const entries = engine.exports.files(id).map((f) => ({ ...f, name: `${folder}/${f.name}` }));
      res.writeHead(200, {
        'Content-Type': 'application/zip',
        'Content-Length': zipLength(entries),
        'Content-Disposition': `attachment; filename="${folder}.zip"`,
        'Cache-Control': 'no-store',
      });
      if (req.method === 'HEAD') res.end();
      else {
        await writeZip(entries, res);
        res.end();
      }
    }),

    exportFile: guarded((req, res, params) => {
      const id = idOf(params.id, 'export');
      const file = engine.exports.files(id).find((f) => f.name === params.file);
      if (!file) throw new ApiFailure('not_found', `export ${id} has no file ${JSON.stringify(params.file)}`);
      res.setHeader('Content-Disposition', `attachment; filename="${file.name}"`);
      const type = file.name.endsWith('.mp4') ? 'video/mp4' : file.name.endsWith('.json') ? 'application/json' : 'application/octet-stream';
      sendFileWithRange(res, file, req.headers.range, type, req.method === 'HEAD');
    }),
  };
}
