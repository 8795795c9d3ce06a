/**
 * Where a camera stream's live WebSocket is: the live route on the page's own
 * origin. In a browser against the headless server and in the desktop window
 * (which loads the UI from the engine's loopback server) alike, the API token
 * travels in the HttpOnly cookie set when the start-up URL was opened.
 */
import type { StreamKind } from '../../../preload/api.ts';
import { livePath } from '../../../preload/contract/live-route.ts';

export function liveUrl(cameraId: number, stream: StreamKind, options: { lowLatency?: boolean } = {}, origin: Location = location): string {
  const scheme = origin.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${origin.host}${livePath(cameraId, stream, options)}`;
}
