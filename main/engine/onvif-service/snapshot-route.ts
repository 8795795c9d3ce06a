/**
 * GET /api/cameras/:id/snapshot → the picture itself (image/jpeg or image/png),
 * for <img src> in a browser. Registered on the headless server as the
 * `cameraSnapshot` raw route (preload/raw-routes.ts), which has already
 * checked the Host, the token and the method. The camera's own snapshot
 * address and login never reach the client; errors are the API's JSON errors.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Id } from '../../../preload/api.ts';
import { ApiFailure } from '../errors.ts';
import type { OnvifService } from './onvif-service.ts';

export function createSnapshotRoute(onvif: () => OnvifService) {
  return async (req: IncomingMessage, res: ServerResponse, params: Record<string, string>): Promise<void> => {
    const id = Id.safeParse(params.id);
    if (!id.success) throw new ApiFailure('invalid_input', 'camera id must be a positive integer');
    let picture;
    try {
      picture = await onvif().snapshot(id.data);
    } catch (error) {
      // Whatever the camera did, it is the camera's failure, not the server's.
      throw error instanceof ApiFailure ? error : new ApiFailure('unavailable', 'could not take a snapshot');
    }
    res.writeHead(200, {
      'Content-Type': picture.contentType,
      'Content-Length': String(picture.body.length),
      'Cache-Control': 'no-store',
      'X-Snapshot-Source': picture.source,
    });
    res.end(req.method === 'HEAD' ? undefined : picture.body);
  };
}
