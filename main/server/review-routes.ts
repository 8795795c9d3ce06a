/**
 * Binary route of detection (docs/detection.md, docs/API.md "Detection"),
 * the `reviewThumbnail` route of preload/raw-routes.ts; it runs after the
 * Host, method and access checks, like every /api route:
 *
 *   GET /api/review/:id/thumbnail    the review item's picture (JPEG)
 *
 * Addressed by the item's id only; the file name comes from the index.
 */
import { Id } from '../../preload/api.ts';
import type { Engine } from '../engine/engine.ts';
import { ApiFailure } from '../engine/errors.ts';
import { sendFileWithRange } from '../engine/playback/media.ts';
import type { RawRouteName } from '../../preload/raw-routes.ts';
import type { RawRouteHandler } from './http-server.ts';
import { guarded } from './timeline-routes.ts';

export function reviewRawRoutes(engine: Engine): Partial<Record<RawRouteName, RawRouteHandler>> {
  return {
    reviewThumbnail: guarded(async (req, res, params) => {
      const id = Id.safeParse(params.id);
      if (!id.success) throw new ApiFailure('invalid_input', 'review item id must be a positive integer');
      const file = await engine.detection.reviewThumbnail(id.data);
      sendFileWithRange(res, file, undefined, 'image/jpeg', req.method === 'HEAD');
    }),
  };
}
