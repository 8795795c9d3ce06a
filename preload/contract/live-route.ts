/**
 * The live WebSocket route's path and close codes, without zod, so the
 * renderer's player can import these values without bundling the schemas.
 * Message schemas: ./live.ts.
 */
import type { StreamKind } from './core.ts';

/** Path prefix of the live WebSocket route. */
export const LIVE_PATH_PREFIX = '/api/live/';

/** The live route of one camera stream (relative to the server's origin). */
export function livePath(cameraId: number, stream: StreamKind): string {
  return `${LIVE_PATH_PREFIX}${cameraId}/${stream}`;
}

/** WebSocket close codes the live route uses (4000-4999: application codes). */
export const LIVE_CLOSE = {
  /** The camera or stream no longer exists. Do not reconnect. */
  gone: 4404,
  /** The server is shutting down. */
  shutdown: 1001,
} as const;
