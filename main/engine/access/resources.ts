/**
 * Which camera(s) an id belongs to: the one lookup the access check makes
 * for every operation and raw route that names a resource by id. Null means
 * "no such thing": the guard then answers exactly as it does for a thing the
 * caller may not see, so a viewer cannot tell the two apart.
 */
import type { ResourceScope } from '../../../preload/api.ts';
import { Id } from '../../../preload/api.ts';
import { parseThumbnailId } from '../thumbnails/thumbnail-id.ts';
import type { Store } from '../storage/store.ts';

export interface ResourceLookup {
  /** The cameras the resource belongs to (an export may span several), or null when there is none. */
  camerasOf(scope: ResourceScope, id: unknown): readonly number[] | null;
}

/** The 404 message of a resource that does not exist, or that the caller may not see: one wording for both. */
export function notFoundMessage(scope: ResourceScope, id: unknown): string {
  const shown = typeof id === 'string' || typeof id === 'number' ? String(id).slice(0, 40) : '?';
  switch (scope) {
    case 'camera':
      return `no camera with id ${shown}`;
    case 'recording':
      return `no recording with id ${shown}`;
    case 'thumbnail':
      return `no thumbnail ${shown}`;
    case 'export':
      return `no export with id ${shown}`;
    case 'review':
      return `no review item with id ${shown}`;
  }
}

export interface ResourceSources {
  store: Pick<Store, 'getCamera' | 'getSegment'> & { detection: { getReview(id: number): { cameraId: number } | null } };
  /** An export job's cameras, or null when there is no such job. */
  exportCameras(id: number): readonly number[] | null;
}

export function resourceLookup({ store, exportCameras }: ResourceSources): ResourceLookup {
  const idOf = (raw: unknown): number | null => {
    const parsed = Id.safeParse(raw);
    return parsed.success ? parsed.data : null;
  };
  return {
    camerasOf(scope, raw) {
      if (scope === 'thumbnail') {
        const parsed = typeof raw === 'string' ? parseThumbnailId(raw) : null;
        const segment = parsed && store.getSegment(parsed.segmentId);
        return segment ? [segment.cameraId] : null;
      }
      const id = idOf(raw);
      if (id === null) return null;
      switch (scope) {
        case 'camera':
          return store.getCamera(id) ? [id] : null;
        case 'recording': {
          const segment = store.getSegment(id);
          return segment ? [segment.cameraId] : null;
        }
        case 'review': {
          const item = store.detection.getReview(id);
          return item ? [item.cameraId] : null;
        }
        case 'export':
          return exportCameras(id);
      }
    },
  };
}
