/**
 * The second half of the check for list operations: whatever a handler
 * returns, only the caller's cameras leave the engine. Handlers already
 * query only those (so paging is right); this is the net under them, so a
 * handler that forgets cannot leak. The type makes every operation declared
 * `list` in preload/contract/access.ts need a filter here.
 */
import type { OperationName, OpOutput } from '../../../preload/api.ts';
import type { operationAccess } from '../../../preload/contract/access.ts';

type ListOperation = { [K in OperationName]: (typeof operationAccess)[K]['kind'] extends 'list' ? K : never }[OperationName];

type Visible = (cameraId: number) => boolean;

export const listFilters: { [K in ListOperation]: (out: OpOutput<K>, visible: Visible) => OpOutput<K> } = {
  getStatus: (out, visible) => ({ ...out, cameras: out.cameras.filter((c) => visible(c.id)) }),
  listCameras: (out, visible) => out.filter((c) => visible(c.id)),
  listExports: (out, visible) => out.filter((job) => job.cameras.length > 0 && job.cameras.every(visible)),
  listEvents: (out, visible) => out.filter((e) => visible(e.cameraId)),
  listReview: (out, visible) => out.filter((r) => visible(r.cameraId)),
};

export function isListOperation(op: OperationName): op is ListOperation {
  return Object.hasOwn(listFilters, op);
}
