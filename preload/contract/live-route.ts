/**
 * The live WebSocket route's path and close codes, without zod, so the
 * renderer's player can import these values without bundling the schemas.
 * Message schemas: ./live.ts.
 */
import type { StreamKind } from './core.ts';

/** Path prefix of the live WebSocket route. */
export const LIVE_PATH_PREFIX = '/api/live/';

/**
 * The live route's query: `latency=low` asks for the lowest latency (the
 * maximised view). A recorded stream then gets a second, live-only camera
 * connection while the viewer watches (docs/live.md, "Express connection").
 */
export const LOW_LATENCY_QUERY = 'latency=low';

/** The live route of one camera stream (relative to the server's origin). */
export function livePath(cameraId: number, stream: StreamKind, options: { lowLatency?: boolean } = {}): string {
  return `${LIVE_PATH_PREFIX}${cameraId}/${stream}${options.lowLatency ? `?${LOW_LATENCY_QUERY}` : ''}`;
}

/** WebSocket close codes the live route uses (4000-4999: application codes). */
export const LIVE_CLOSE = {
  /** The camera or stream no longer exists. Do not reconnect. */
  gone: 4404,
  /** The server is shutting down. */
  shutdown: 1001,
} as const;
