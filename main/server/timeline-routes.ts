/**
 * Binary routes of the timeline work, registered on the HTTP server with
 * addRawRoute (they run after authentication, like every /api route):
 *
 *   GET /api/thumbnails/:id                 keyframe JPEG (made on first request)
 *   GET /api/exports/:id/download           the finished export as a zip
 *   GET /api/exports/:id/files/:name        one file of it (Range supported)
 *
 * Everything is addressed by id; a file name is accepted only when it is one
 * the export's own file list contains.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorCode } from '../../preload/api.ts';
import { Id } from '../../preload/api.ts';
import type { Engine } from '../engine/engine.ts';
import { ApiFailure } from '../engine/errors.ts';
import { sendFileWithRange } from '../engine/playback/media.ts';
import { writeZip, zipLength } from '../engine/export/zip-stream.ts';
import type { RawHandler } from './http-server.ts';

const STATUS: Record<ErrorCode, number> = { invalid_input: 400, not_found: 404, conflict: 409, unavailable: 503, internal: 500 };

function sendError(res: ServerResponse, code: ErrorCode, message: string, status = STATUS[code]): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify({ error: { code, message } }));
}

function fail(res: ServerResponse, err: unknown): void {
  if (err instanceof ApiFailure) sendError(res, err.code, err.message);
  else sendError(res, 'internal', `internal error: ${(err as Error).message}`);
}

function methodOk(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return true;
  res.setHeader('Allow', 'GET, HEAD');
  sendError(res, 'invalid_input', `${req.method} is not allowed here`, 405);
  return false;
}

export function timelineRawRoutes(engine: Engine): RawHandler {
  return async (req, res, url) => {
    const thumb = /^\/api\/thumbnails\/([^/]+)$/.exec(url.pathname);
    if (thumb) {
      if (!methodOk(req, res)) return true;
      try {
        const file = await engine.thumbnails.get(decodeURIComponent(thumb[1]));
        sendFileWithRange(res, file, undefined, 'image/jpeg', req.method === 'HEAD');
      } catch (err) {
        fail(res, err);
      }
      return true;
    }

    const download = /^\/api\/exports\/([^/]+)\/download$/.exec(url.pathname);
    if (download) {
      if (!methodOk(req, res)) return true;
      const id = Id.safeParse(download[1]);
      if (!id.success) {
        sendError(res, 'invalid_input', 'export id must be a positive integer');
        return true;
      }
      try {
        const folder = engine.exports.exportName(id.data);
        const entries = engine.exports.files(id.data).map((f) => ({ ...f, name: `${folder}/${f.name}` }));
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
      } catch (err) {
        fail(res, err);
      }
      return true;
    }

    const one = /^\/api\/exports\/([^/]+)\/files\/([^/]+)$/.exec(url.pathname);
    if (one) {
      if (!methodOk(req, res)) return true;
      const id = Id.safeParse(one[1]);
      if (!id.success) {
        sendError(res, 'invalid_input', 'export id must be a positive integer');
        return true;
      }
      try {
        let name: string;
        try {
          name = decodeURIComponent(one[2]);
        } catch {
          throw new ApiFailure('invalid_input', 'malformed file name');
        }
        const file = engine.exports.files(id.data).find((f) => f.name === name);
        if (!file) throw new ApiFailure('not_found', `export ${id.data} has no file ${JSON.stringify(name)}`);
        res.setHeader('Content-Disposition', `attachment; filename="${file.name}"`);
        const type = file.name.endsWith('.mp4') ? 'video/mp4' : file.name.endsWith('.json') ? 'application/json' : 'application/octet-stream';
        sendFileWithRange(res, file, req.headers.range, type, req.method === 'HEAD');
      } catch (err) {
        fail(res, err);
      }
      return true;
    }
    return false;
  };
}
