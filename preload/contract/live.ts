/**
 * Live view. Live video does not travel through request/response operations
 * but over one WebSocket per viewed stream (docs/API.md, "Live view"):
 *
 *   GET /api/live/:cameraId/:stream   (stream = main | sub), upgraded to WebSocket
 *
 * The server sends JSON text messages (LiveMessage, below) and binary
 * messages. Binary messages are fragmented MP4: the init segment right after
 * each `init` text message, then media fragments (moof+mdat), the first of
 * which starts with a keyframe. The client sends nothing.
 *
 * There are no request/response operations here: the schemas are shared by
 * the engine (which sends) and the renderer's player (which receives).
 */
import { z } from 'zod';
import { StreamKind } from './core.ts';

export { LIVE_PATH_PREFIX, livePath, LIVE_CLOSE } from './live-route.ts';

/** A new run of the stream begins; the next binary message is its init segment. */
export const LiveInitMessage = z.object({
  type: z.literal('init'),
  /** For MediaSource.isTypeSupported / addSourceBuffer, e.g. `video/mp4; codecs="avc1.64001f"`. */
  mimeType: z.string(),
  /** Video codec of what is sent: h264 (or h265 when a client could decode it). */
  codec: z.string(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  /** The stream actually sent: the other stream of the camera stands in for an H.265 one the browser cannot play. */
  stream: StreamKind,
  /** True when the server transcodes an H.265-only camera to H.264 for this view. */
  transcoded: z.boolean(),
});
export type LiveInitMessage = z.infer<typeof LiveInitMessage>;

/**
 * The stream is not running now (camera unreachable, reconnecting, or not
 * started yet). The viewer stays connected: an `init` follows when it returns.
 */
export const LiveOfflineMessage = z.object({ type: z.literal('offline') });
export type LiveOfflineMessage = z.infer<typeof LiveOfflineMessage>;

export const LiveMessage = z.discriminatedUnion('type', [LiveInitMessage, LiveOfflineMessage]);
export type LiveMessage = z.infer<typeof LiveMessage>;
