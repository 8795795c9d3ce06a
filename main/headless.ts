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
import { loadOrCreateToken, type Authenticator } from './server/auth.ts';
import { AccessGuard } from './engine/access/guard.ts';
import { resourceLookup } from './engine/access/resources.ts';
import type { Caller } from './engine/access/caller.ts';
import { userHandlers } from './engine/users/user-handlers.ts';
import { guarded, timelineRawRoutes } from './server/timeline-routes.ts';
import { reviewRawRoutes } from './server/review-routes.ts';
import type { RawRouteName } from '../preload/raw-routes.ts';
import { createLogger } from './engine/log.ts';
import { createSnapshotRoute } from './engine/onvif-service/index.ts';
import { LiveHub, storeCatalog, type LiveHubOptions } from './engine/live/live-hub.ts';
import { createLiveRoute } from './engine/live/ws-route.ts';
import { LanService } from './server/lan/lan-service.ts';
import { lanHandlers } from './server/lan/lan-handlers.ts';
import type { UpdateLanInput } from '../preload/contract/lan.ts';

export interface HeadlessOptions extends Omit<EngineOptions, 'live'> {
  port?: number;
  /** Live fan-out tuning (slow-viewer thresholds, transcode linger); defaults suit real use. */
  liveOptions?: Partial<LiveHubOptions>;
  host?: string;
  /** Host names (besides the served addresses) a browser may use to reach the server: `--allowed-host`. */
  allowedHosts?: string[];
  /** The built renderer; defaults to out/renderer beside the project. */
  staticDir?: string | null;
  /**
   * A per-launch token kept in memory (the desktop app) instead of DIR/api-token.
   * Either way it is the owner's: with it, the desktop's local user is the owner.
   */
  token?: string;
  /** LAN viewing over TLS (`--lan`, docs/lan.md): applied and stored at start; omitted = as stored (off by default). */
  lan?: Pick<UpdateLanInput, 'enabled' | 'addresses' | 'httpsPort' | 'httpPort' | 'names'>;
}

export interface Headless {
  engine: Engine;
  http: HttpServer;
  dispatcher: Dispatcher;
  /** The live fan-out (WebSocket route /api/live/:cameraId/:stream). */
  live: LiveHub;
  /** LAN viewing over TLS: its HTTPS servers share the HTTP server's handling. */
  lan: LanService;
  port: number;
  host: string;
  /** The owner's token (DIR/api-token, or the desktop's per-launch token). */
  token: string;
  /** The start-up URL, with the owner's token: opening it signs the browser in as the owner. */
  url: string;
  /** The first-run setup code (headless, until the owner has a password), else null. */
  setupCode: string | null;
  /** The owner as the caller of in-process calls (the desktop app's IPC, the tray). */
  localCaller: Caller;
  guard: AccessGuard;
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
      // The maximised view's second camera connection, unless turned off in Settings.
      express: {
        start: (cameraId, kind, sink) => engine.settings().lowLatencyLive && engine.supervisor.startExpress(cameraId, kind, sink),
        stop: (cameraId, kind) => engine.supervisor.stopExpress(cameraId, kind),
      },
    },
    opts.liveOptions,
  );
  const engine = new Engine({ ...opts, live });
  // A removed or switched-off camera's viewers are closed at once, with the reason.
  engine.cameras.onChange((cameraId) => live.cameraChanged(cameraId));
  const { users } = engine;
  const guard = new AccessGuard({
    resources: resourceLookup({ store: engine.store, exportCameras: (id) => engine.exports.camerasOf(id) }),
    owners: users,
  });
  // LAN viewing over TLS: its HTTPS servers are handed to `http` (made below) when it serves.
  const lan = new LanService({ dataDir: resolve(opts.dataDir), log: engine.log.child('lan'), transport: { attach: (s) => http.attach(s), setLanHosts: (n) => http.setLanHosts(n) } });
  const dispatcher = new Dispatcher(
    { ...createHandlers(engine), ...userHandlers(users), ...lanHandlers(lan) },
    {
      guard,
      audit: users.audit,
      onInternalError: (op, err) => engine.log.error(`operation ${op} failed: ${(err as Error)?.stack ?? String(err)}`),
    },
  );
  // The desktop passes its per-launch token: whoever holds it is the local owner.
  const token = opts.token ?? loadOrCreateToken(join(resolve(opts.dataDir), 'api-token'));
  const auth: Authenticator = {
    ownerToken: token,
    ownerVia: opts.token ? 'local' : 'owner-token',
    ownerCaller: (via, address) => users.ownerCaller(via, address),
    authenticateSession: (secret, address) => users.authenticateSession(secret, address),
    authenticateToken: (secret, address) => users.authenticateToken(secret, address),
  };
  const staticDir = opts.staticDir === undefined ? (existsSync(DEFAULT_STATIC_DIR) ? DEFAULT_STATIC_DIR : null) : opts.staticDir;
  const http = new HttpServer({ dispatcher, auth, guard, audit: users.audit, log: engine.log.child('http'), staticDir, allowedHosts: opts.allowedHosts });
  const liveRoute = createLiveRoute(live, engine.log.child('live'));
  http.addUpgrade('live', (req, socket, head, params, caller) => liveRoute.handleUpgrade(req, socket, head, params, caller));
  // Revoked, demoted, removed or signed out: that user's live viewers are checked again at once.
  const stopRecheck = users.onRightsChanged((userId) => liveRoute.recheck(userId, (caller) => users.callerStillValid(caller)));
  for (const [name, handler] of Object.entries({ ...timelineRawRoutes(engine), ...reviewRawRoutes(engine) })) {
    if (handler) http.addRawRoute(name as RawRouteName, handler);
  }
  http.addRawRoute('cameraSnapshot', guarded(createSnapshotRoute(() => engine.onvif)));
  const host = opts.host ?? '127.0.0.1';
  let port: number;
  try {
    engine.start();
    port = await http.listen(opts.port ?? 8750, host);
    await (opts.lan ? lan.update(opts.lan) : lan.start());
  } catch (err) {
    await lan.stop();
    await http.close();
    stopRecheck();
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
    lan,
    port,
    host,
    token,
    url: `http://${shownHost}:${port}/?token=${token}`,
    setupCode: opts.token ? null : users.setupCode(),
    localCaller: users.ownerCaller('local', 'local'),
    guard,
    async stop() {
      stopRecheck();
      live.stop();
      liveRoute.close();
      await lan.stop();
      await http.close();
      await engine.stop();
    },
  };
}
