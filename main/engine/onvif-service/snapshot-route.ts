/**
 * GET /api/cameras/:id/snapshot → the picture itself (image/jpeg or image/png),
 * for <img src> in a browser. Registered on the headless server with
 * HttpServer.addRawRoute (which has already checked the token). The camera's
 * own snapshot address and login never reach the client; errors are the
 * API's JSON errors.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Id } from '../../../preload/api.ts';
import { ApiFailure } from '../errors.ts';
import type { OnvifService } from './onvif-service.ts';

const PATH = /^\/api\/cameras\/([^/]+)\/snapshot$/;
const STATUS: Record<string, number> = { invalid_input: 400, not_found: 404, conflict: 409, unavailable: 503, internal: 500 };

export function createSnapshotRoute(onvif: () => OnvifService) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    const match = PATH.exec(url.pathname);
    if (!match) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, { error: { code: 'invalid_input', message: `${req.method} is not allowed on ${url.pathname}` } }, { Allow: 'GET, HEAD' });
      return true;
    }
    const id = Id.safeParse(match[1]);
    if (!id.success) {
      send(res, 400, { error: { code: 'invalid_input', message: 'camera id must be a positive integer' } });
      return true;
    }
    try {
      const picture = await onvif().snapshot(id.data);
      res.writeHead(200, {
        'Content-Type': picture.contentType,
        'Content-Length': String(picture.body.length),
        'Cache-Control': 'no-store',
        'X-Snapshot-Source': picture.source,
      });
      res.end(req.method === 'HEAD' ? undefined : picture.body);
    } catch (error) {
      const failure = error instanceof ApiFailure ? error : new ApiFailure('internal', 'could not take a snapshot');
      send(res, STATUS[failure.code] ?? 500, { error: failure.toJSON() });
    }
    return true;
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}
