/**
 * The live WebSocket route: GET /api/live/:cameraId/:stream upgraded to a
 * WebSocket that carries one feed of the hub (docs/API.md, "Live view").
 *
 * The HTTP server has already checked the Host, the Origin and the caller's
 * `live` right on the camera (main/engine/access/guard.ts) before this
 * handler runs. Each connection remembers its caller, so when a user's
 * rights change (grant revoked, demoted, removed, signed out) its viewers
 * are checked again and closed if they lost the camera: `recheck`, driven
 * by the user service, never per fragment. Here: the path is parsed strictly, the camera
 * and stream are checked against the camera list (404 before the upgrade
 * otherwise), and the socket becomes a LiveViewer whose backlog is the
 * WebSocket's bufferedAmount.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { LIVE_CLOSE, LIVE_PATH_PREFIX, type LiveMessage } from '../../../preload/contract/live.ts';
import type { StreamKind } from '../storage/store.ts';
import type { Logger } from '../log.ts';
import type { LiveHub } from './live-hub.ts';
import type { DropReason, LiveViewer, StreamDescription } from './live-stream.ts';
import { hasRight, type Caller } from '../access/caller.ts';

export { LIVE_PATH_PREFIX };

/** The route's parameters (/api/live/:id/:stream): a positive id and main|sub, nothing else. */
export function parseLiveParams(params: Record<string, string>): { cameraId: number; kind: StreamKind } | null {
  if (!/^[1-9]\d{0,15}$/.test(params.id ?? '') || !/^(main|sub)$/.test(params.stream ?? '')) return null;
  const cameraId = Number(params.id);
  return Number.isSafeInteger(cameraId) ? { cameraId, kind: params.stream as StreamKind } : null;
}

/**
 * The route's query: `latency` absent (the default) or `low` (the maximised
 * view); anything else is refused, so a typo is not silently ignored. Other
 * parameters (the `token` of a script) are not this route's business.
 */
export function parseLiveQuery(url: string | undefined): { lowLatency: boolean } | null {
  let latency: string | null;
  try {
    latency = new URL(url ?? '/', 'http://live.invalid').searchParams.get('latency');
  } catch {
    return null;
  }
  if (latency === null) return { lowLatency: false };
  return latency === 'low' ? { lowLatency: true } : null;
}

/** Ping idle-looking clients this often; one that missed a pong is gone (half-open TCP). */
const PING_INTERVAL_MS = 20_000;

/** A WebSocket as a viewer of a live feed. */
export class WebSocketViewer implements LiveViewer {
  constructor(private readonly ws: WebSocket) {}

  backlog(): number {
    return this.ws.bufferedAmount;
  }

  init(description: StreamDescription, init: Buffer): void {
    this.text({ type: 'init', ...description });
    this.ws.send(init, { binary: true });
  }

  fragment(bytes: Buffer): void {
    this.ws.send(bytes, { binary: true });
  }

  offline(): void {
    this.text({ type: 'offline' });
  }

  drop(reason: DropReason, message: string): void {
    if (reason === 'too-slow' || reason === 'error') {
      // Its queue is full: a close frame would wait behind it. Cut the connection.
      this.ws.terminate();
      return;
    }
    this.ws.close(reason === 'gone' ? LIVE_CLOSE.gone : LIVE_CLOSE.shutdown, message.slice(0, 120));
    setTimeout(() => this.ws.terminate(), 2000).unref();
  }

  private text(message: LiveMessage): void {
    this.ws.send(JSON.stringify(message));
  }
}

export interface LiveRoute {
  /** The handler to register with HttpServer.addUpgrade('live', ...). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, params: Record<string, string>, caller: Caller): void;
  /**
   * A user's rights changed: each of its viewers is checked again with the
   * caller `current` returns (null: the user, session or token is gone) and
   * closed, like a removed camera, when it may no longer watch.
   */
  recheck(userId: number, current: (caller: Caller) => Caller | null): number;
  /** Open live connections. */
  readonly connections: number;
  close(): void;
}

export function createLiveRoute(hub: LiveHub, log: Logger): LiveRoute {
  // Clients only ever send pongs: keep their frames tiny. No compression: video does not compress.
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 4096, clientTracking: true });
  const alive = new WeakSet<WebSocket>();
  /** Who watches what, per user: the live re-check's index. */
  const watchers = new Map<number, Map<WebSocketViewer, { caller: Caller; cameraId: number }>>();
  const pinger = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, PING_INTERVAL_MS);
  pinger.unref();

  const reject = (socket: Duplex, status: string, message: string) => {
    socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n${message}\n`);
  };

  return {
    get connections() {
      return wss.clients.size;
    },
    recheck(userId, current) {
      let closed = 0;
      for (const [viewer, watch] of watchers.get(userId) ?? []) {
        const now = current(watch.caller);
        if (now && hasRight(now, watch.cameraId, 'live')) continue;
        viewer.drop('gone', 'no such camera'); // like a removed camera, for this viewer
        closed++;
      }
      return closed;
    },
    handleUpgrade(req, socket, head, params, caller) {
      const target = parseLiveParams(params);
      if (!target) {
        reject(socket, '400 Bad Request', 'expected /api/live/<camera id>/<main|sub>');
        return;
      }
      const query = parseLiveQuery(req.url);
      if (!query) {
        reject(socket, '400 Bad Request', 'expected no latency parameter, or latency=low');
        return;
      }
      if (!hub.plan(target.cameraId, target.kind)) {
        reject(socket, '404 Not Found', `camera ${target.cameraId} has no ${target.kind} stream to watch (no such camera, or it is switched off)`);
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        alive.add(ws);
        ws.on('pong', () => alive.add(ws));
        ws.on('message', () => undefined); // nothing expected from clients
        ws.on('error', () => undefined); // the close handler below cleans up
        // Fragments are small and latency matters more than packet count.
        (ws as unknown as { _socket?: { setNoDelay?: (v: boolean) => void } })._socket?.setNoDelay?.(true);
        const viewer = new WebSocketViewer(ws);
        const subscription = hub.subscribe(target.cameraId, target.kind, viewer, query);
        if (!subscription) {
          ws.close(LIVE_CLOSE.gone, 'no such camera stream');
          return;
        }
        const { plan } = subscription;
        log.debug(
          `live viewer on camera ${plan.cameraId} ${plan.requested}` +
            (plan.source !== plan.requested ? ` (served from ${plan.source})` : '') +
            (plan.transcode ? ' (transcoded)' : '') +
            (query.lowLatency ? ' (low latency)' : ''),
        );
        const mine = watchers.get(caller.userId) ?? new Map();
        watchers.set(caller.userId, mine.set(viewer, { caller, cameraId: target.cameraId }));
        ws.on('close', () => {
          subscription.close();
          mine.delete(viewer);
          if (!mine.size && watchers.get(caller.userId) === mine) watchers.delete(caller.userId);
        });
      });
    },
    close() {
      clearInterval(pinger);
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}
