/**
 * Headless Keepwatch: the engine plus the HTTP/WebSocket transport, serving
 * the same UI as the desktop app to a browser. Used by `npm run serve`,
 * `npm run demo` and the end-to-end tests.
 */
import { join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { projectRoot } from './engine/project-root.ts';
import { Engine, type EngineOptions } from './engine/engine.ts';
import { createHandlers, Dispatcher } from './engine/handlers.ts';
import { HttpServer } from './server/http-server.ts';
import { loadOrCreateToken } from './server/auth.ts';
import { guarded, timelineRawRoutes } from './server/timeline-routes.ts';
import { reviewRawRoutes } from './server/review-routes.ts';
import type { RawRouteName } from '../preload/raw-routes.ts';
import { createLogger } from './engine/log.ts';
import { createSnapshotRoute } from './engine/onvif-service/index.ts';
import { LiveHub, storeCatalog, type LiveHubOptions } from './engine/live/live-hub.ts';
import { createLiveRoute } from './engine/live/ws-route.ts';

export interface HeadlessOptions extends Omit<EngineOptions, 'live'> {
  port?: number;
  /** Live fan-out tuning (slow-viewer thresholds, transcode linger); defaults suit real use. */
  liveOptions?: Partial<LiveHubOptions>;
  host?: string;
  /** Host names (besides the served addresses) a browser may use to reach the server: `--allowed-host`. */
  allowedHosts?: string[];
  /** The built renderer; defaults to out/renderer beside the project. */
  staticDir?: string | null;
  /** A per-launch API token kept in memory (the desktop app) instead of DIR/api-token. */
  token?: string;
}

export interface Headless {
  engine: Engine;
  http: HttpServer;
  dispatcher: Dispatcher;
  /** The live fan-out (WebSocket route /api/live/:cameraId/:stream). */
  live: LiveHub;
  port: number;
  host: string;
  token: string;
  /** The start-up URL, with the token: opening it logs the browser in. */
  url: string;
  stop(): Promise<void>;
}

/** The built renderer, from the sources and from the built `keepwatch` command alike. */
export const DEFAULT_STATIC_DIR = join(projectRoot(), 'out/renderer');

export async function startHeadless(opts: HeadlessOptions): Promise<Headless> {
  // The hub exists before the engine so every recorder feeds it from its first fragment.
  const live = new LiveHub(
    {
      catalog: storeCatalog(() => engine.store),
      ffmpegPath: () => engine.ffmpegPath,
      log: createLogger({ sink: opts.logSink, scope: 'keepwatch/live' }),
      demand: (cameraId, kind) => engine.supervisor.wake(cameraId, kind),
    },
    opts.liveOptions,
  );
  const engine = new Engine({ ...opts, live });
  // A removed or switched-off camera's viewers are closed at once, with the reason.
  engine.cameras.onChange((cameraId) => live.cameraChanged(cameraId));
  const dispatcher = new Dispatcher(createHandlers(engine), (op, err) =>
    engine.log.error(`operation ${op} failed: ${(err as Error)?.stack ?? String(err)}`),
  );
  const token = opts.token ?? loadOrCreateToken(join(resolve(opts.dataDir), 'api-token'));
  const staticDir = opts.staticDir === undefined ? (existsSync(DEFAULT_STATIC_DIR) ? DEFAULT_STATIC_DIR : null) : opts.staticDir;
  const http = new HttpServer({ dispatcher, token, log: engine.log.child('http'), staticDir, allowedHosts: opts.allowedHosts });
  const liveRoute = createLiveRoute(live, engine.log.child('live'));
  http.addUpgrade('live', (req, socket, head, params) => liveRoute.handleUpgrade(req, socket, head, params));
  for (const [name, handler] of Object.entries({ ...timelineRawRoutes(engine), ...reviewRawRoutes(engine) })) {
    if (handler) http.addRawRoute(name as RawRouteName, handler);
  }
  http.addRawRoute('cameraSnapshot', guarded(createSnapshotRoute(() => engine.onvif)));
  const host = opts.host ?? '127.0.0.1';
  let port: number;
  try {
    engine.start();
    port = await http.listen(opts.port ?? 8750, host);
  } catch (err) {
    live.stop();
    liveRoute.close();
    await engine.stop();
    throw err;
  }
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    engine,
    http,
    dispatcher,
    live,
    port,
    host,
    token,
    url: `http://${shownHost}:${port}/?token=${token}`,
    async stop() {
      live.stop();
      liveRoute.close();
      await http.close();
      await engine.stop();
    },
  };
}
