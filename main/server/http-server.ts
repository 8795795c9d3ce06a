/**
 * The headless transport: the JSON API (preload/http-routes.ts → the
 * dispatcher), the binary routes (preload/raw-routes.ts: media, pictures,
 * downloads, the live WebSocket), and the built renderer. Binds 127.0.0.1
 * unless told otherwise.
 *
 * Total by construction: no request, however malformed, may throw out of a
 * listener — that would end the process and every recorder with it. Every
 * header and URL is parsed by well-kept code (WHATWG URL, the `cookie`
 * package) inside a guard; a malformed request gets a 4xx or a closed
 * socket, never a 5xx; node's own parser answers what it cannot read
 * (`clientError`). Why this stays on node:http rather than Fastify:
 * docs/security.md.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import type { Dispatcher } from '../engine/handlers.ts';
import { ApiFailure } from '../engine/errors.ts';
import { sendFileWithRange } from '../engine/playback/media.ts';
import { isPathInside } from '../engine/playback/media-path.ts';
import { callerOf, clearedCookies, clientOf, sessionCookie, tokenCookie, type Authenticator } from './auth.ts';
import type { AccessGuard } from '../engine/access/guard.ts';
import type { Caller } from '../engine/access/caller.ts';
import { auditRecord, type AuditSink } from '../engine/access/audit-trail.ts';
import type { AuditAction, LoginResult } from '../../preload/api.ts';
import type { Server as TlsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { hostAllowed, hostRefusal, originAllowed } from './host-check.ts';
import { httpRoutes as routes, inputFromRequest, matchPath } from '../../preload/http-routes.ts';
import { matchRawRoute, rawRoutes, type RawRouteName } from '../../preload/raw-routes.ts';
import type { Logger } from '../engine/log.ts';
import { parseRequestTarget } from './request-target.ts';
import { sendApiError, sendJson, type ApiErrorCode } from './respond.ts';

const MAX_BODY = 1024 * 1024;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** Content-Security-Policy of the served UI: own origin only (WebSockets included), nothing remote. */
export const UI_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "media-src 'self' blob:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * A binary GET route's handler: the path parameters are decoded and the
 * caller holds the route's right on the camera the :id belongs to.
 */
export type RawRouteHandler = (req: IncomingMessage, res: ServerResponse, params: Record<string, string>, caller: Caller) => void | Promise<void>;

/** A WebSocket route's handler (live view); the request passed the Host, Origin and access checks. */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, params: Record<string, string>, caller: Caller) => void;

/** What a raw route leaves in the audit log (per camera of the id). */
const RAW_ROUTE_AUDIT: Partial<Record<RawRouteName, AuditAction>> = {
  recordingMedia: 'playback',
  exportDownload: 'download',
  exportFile: 'download',
  live: 'live',
};

export interface HttpServerOptions {
  dispatcher: Dispatcher;
  /** Names the caller of a request (main/server/auth.ts). */
  auth: Authenticator;
  /** The permission check of the raw routes (the dispatcher has its own reference to the same guard). */
  guard: AccessGuard;
  audit?: AuditSink;
  log: Logger;
  /** Built renderer (index.html + assets); null serves a plain notice. */
  staticDir: string | null;
  /** Host names the user allows besides the addresses served (`--allowed-host`). */
  allowedHosts?: string[];
}

export class HttpServer {
  readonly server: Server;
  private port = 0;
  private readonly upgrades = new Map<RawRouteName, UpgradeHandler>();
  private readonly raw = new Map<RawRouteName, RawRouteHandler>();
  private readonly allowedHosts: string[];
  /** Names the LAN service allows while it serves (main/server/lan): its configured names and the machine's. */
  private lanHosts: string[] = [];

  constructor(private readonly opts: HttpServerOptions) {
    this.allowedHosts = (opts.allowedHosts ?? []).map((h) => h.toLowerCase());
    this.server = createServer({ requestTimeout: 60_000, headersTimeout: 20_000 });
    this.attach(this.server);
  }

  /**
   * Serves this API and UI on another node server too (the LAN's HTTPS
   * servers): the same request, upgrade and parser-error handling.
   */
  attach(server: Server | TlsServer): void {
    const opts = this.opts;
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((err) => this.unexpected(res, err));
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => socket.destroy());
      try {
        this.handleUpgrade(req, socket, head);
      } catch (err) {
        opts.log.error(`http upgrade: ${(err as Error).message}`);
        socket.destroy();
      }
    });
    // What node's HTTP parser cannot read (chunked junk, header overflow, a bad method): 400 and close.
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
      if (err.code === 'ECONNRESET' || !socket.writable) {
        socket.destroy();
        return;
      }
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    });
  }

  /** Registers the handler of a binary GET route of preload/raw-routes.ts. */
  addRawRoute(name: RawRouteName, handler: RawRouteHandler): void {
    this.raw.set(name, handler);
  }

  /** Registers the handler of a WebSocket route of preload/raw-routes.ts. */
  addUpgrade(name: RawRouteName, handler: UpgradeHandler): void {
    this.upgrades.set(name, handler);
  }

  listen(port: number, host = '127.0.0.1'): Promise<number> {
    // Every route of the public table must be served: none may be forgotten.
    const missing = rawRoutes.filter((r) => !(r.kind === 'get' ? this.raw : this.upgrades).has(r.name)).map((r) => r.name);
    if (missing.length) return Promise.reject(new Error(`raw routes without a handler: ${missing.join(', ')}`));
    return new Promise((resolvePort, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        const addr = this.server.address();
        this.port = typeof addr === 'object' && addr ? addr.port : port;
        resolvePort(this.port);
      });
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections?.();
    return new Promise((r) => this.server.close(() => r()));
  }

  /** Host names answered besides the served addresses while LAN viewing is on (replaces the previous list). */
  setLanHosts(names: string[]): void {
    this.lanHosts = names.map((h) => h.toLowerCase());
  }

  private hostOk(req: IncomingMessage): boolean {
    // The port the connection arrived on: this server's, or an attached LAN server's.
    const tls = (req.socket as TLSSocket).encrypted === true;
    return hostAllowed(req.headers.host, req.socket.localAddress, {
      port: req.socket.localPort ?? this.port,
      allowedNames: this.lanHosts.length ? [...this.allowedHosts, ...this.lanHosts] : this.allowedHosts,
      defaultPort: tls ? 443 : 80,
    });
  }

  private originOk(req: IncomingMessage): boolean {
    return originAllowed(req.headers.origin, req.headers.host, (req.socket as TLSSocket).encrypted === true ? 'https' : 'http');
  }

  private audit(caller: Caller, req: IncomingMessage, action: AuditAction | undefined, cameras: readonly number[]): void {
    if (!action || !this.opts.audit) return;
    const address = clientOf(req).address;
    for (const cameraId of cameras) this.opts.audit.record(auditRecord(caller, address, { action, cameraId }));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    if (!this.hostOk(req)) {
      sendApiError(res, 'invalid_input', hostRefusal(req.headers.host), 403);
      return;
    }
    const url = parseRequestTarget(req.url);
    if (!url.ok) {
      sendApiError(res, 'invalid_input', url.message);
      return;
    }
    const { pathname } = url.value;
    const isApi = pathname === '/api' || pathname.startsWith('/api/');
    if ((req.socket as TLSSocket).encrypted) res.setHeader('Strict-Transport-Security', 'max-age=31536000');
    // A cross-site page must not drive the API with the user's cookie.
    if (req.method !== 'GET' && req.method !== 'HEAD' && !this.originOk(req)) {
      sendApiError(res, 'invalid_input', 'cross-origin request refused', 403);
      return;
    }

    // The page and its assets are public (the sign-in form); only the API asks who is calling.
    if (!isApi) {
      this.serveStatic(req, res, url.value);
      return;
    }
    const caller = callerOf(req, url.value, this.opts.auth);

    const raw = matchRawRoute(pathname, 'get');
    if (raw) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('Allow', 'GET, HEAD');
        sendApiError(res, 'invalid_input', `${req.method} is not allowed on ${pathname}`, 405);
        return;
      }
      const handler = this.raw.get(raw.route.name);
      if (!handler) return sendApiError(res, 'not_found', `no such API route: ${pathname}`);
      const verdict = this.opts.guard.checkRoute(raw.route, caller, raw.params);
      if (!verdict.ok) return sendApiError(res, verdict.error.code, verdict.error.message);
      this.audit(verdict.caller, req, RAW_ROUTE_AUDIT[raw.route.name], verdict.cameras);
      await handler(req, res, raw.params, verdict.caller);
      return;
    }

    const candidates = routes.filter((r) => matchPath(r.path, pathname));
    if (!candidates.length) {
      sendApiError(res, 'not_found', `no such API route: ${pathname}`);
      return;
    }
    const route = candidates.find((r) => r.method === req.method);
    if (!route) {
      res.setHeader('Allow', candidates.map((r) => r.method).join(', '));
      sendApiError(res, 'invalid_input', `${req.method} is not allowed on ${pathname}`, 405);
      return;
    }
    let body: unknown = undefined;
    if (req.method === 'POST' || req.method === 'PATCH' || req.method === 'PUT') {
      const parsed = await readJsonBody(req);
      if (!parsed.ok) {
        res.shouldKeepAlive = false; // the rest of the body may never be read
        sendApiError(res, 'invalid_input', parsed.message, parsed.status);
        return;
      }
      body = parsed.value;
    }
    const params = matchPath(route.path, pathname)!;
    const client = clientOf(req);
    const result = await this.opts.dispatcher.dispatch(route.op, inputFromRequest(route, params, url.value.searchParams, body), { caller, client });
    if (!result.ok) return sendApiError(res, result.error.code, result.error.message);
    if (route.session === 'start') {
      // The session's secret goes into an HttpOnly cookie, never into the body a script could read.
      const { user, session } = result.value as LoginResult;
      res.setHeader('Set-Cookie', sessionCookie(session.secret, session.expiresAt, client.secure));
      return sendJson(res, route.status ?? 200, { user });
    }
    if (route.session === 'end') res.setHeader('Set-Cookie', clearedCookies(client.secure));
    sendJson(res, route.status ?? 200, result.value);
  }

  /** A handler threw: an ApiFailure is an answer; anything else is a bug, logged, and a 500. */
  private unexpected(res: ServerResponse, err: unknown): void {
    if (err instanceof ApiFailure) {
      if (!res.headersSent) sendApiError(res, err.code, err.message);
      else res.destroy();
      return;
    }
    this.opts.log.error(`http: ${(err as Error)?.stack ?? String(err)}`);
    if (!res.headersSent) sendApiError(res, 'internal', 'internal error');
    else res.destroy();
  }

  private serveStatic(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      sendApiError(res, 'invalid_input', `${req.method} is not allowed here`, 405);
      return;
    }
    // Opening the start-up URL (?token=...) stores the token in a cookie and
    // drops it from the address bar.
    if (url.searchParams.has('token')) {
      const token = url.searchParams.get('token') ?? '';
      // Only the owner's own token becomes a cookie; anything else is just dropped from the address.
      if (token === this.opts.auth.ownerToken) res.setHeader('Set-Cookie', tokenCookie(token, clientOf(req).secure));
      res.writeHead(303, { Location: url.pathname });
      res.end();
      return;
    }
    const root = this.opts.staticDir;
    if (!root || !existsSync(join(root, 'index.html'))) {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Keepwatch is running. The UI is not built: run "npm run build:renderer". The API is under /api/.\n');
      return;
    }
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      sendApiError(res, 'invalid_input', 'malformed path', 400);
      return;
    }
    if (rel.includes('\0')) {
      sendApiError(res, 'invalid_input', 'malformed path', 400);
      return;
    }
    const candidate = resolve(root, '.' + rel);
    const inside = isPathInside(candidate, resolve(root));
    const file = inside && existsSync(candidate) && statSync(candidate).isFile() ? candidate : join(root, 'index.html');
    const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
    res.setHeader('Content-Security-Policy', UI_CSP);
    res.setHeader('X-Frame-Options', 'DENY');
    const st = statSync(file);
    const etag = `"${st.size.toString(36)}-${Math.floor(st.mtimeMs).toString(36)}"`;
    sendFileWithRange(res, { size: st.size, etag, body: (start, end) => createReadStream(file, { start, end }) }, undefined, type, req.method === 'HEAD');
  }

  private handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refuse = (status: string): void => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const url = parseRequestTarget(req.url);
    if (!url.ok) return refuse('400 Bad Request');
    if (!this.hostOk(req) || !this.originOk(req)) return refuse('403 Forbidden');
    const caller = callerOf(req, url.value, this.opts.auth);
    if (!caller) return refuse('401 Unauthorized');
    const match = matchRawRoute(url.value.pathname, 'websocket');
    const handler = match && this.upgrades.get(match.route.name);
    if (!match || !handler) return refuse('404 Not Found');
    const verdict = this.opts.guard.checkRoute(match.route, caller, match.params);
    if (!verdict.ok) return refuse(verdict.error.code === 'unauthorized' ? '401 Unauthorized' : '404 Not Found');
    this.audit(verdict.caller, req, RAW_ROUTE_AUDIT[match.route.name], verdict.cameras);
    handler(req, socket, head, match.params, verdict.caller);
  }
}

async function readJsonBody(req: IncomingMessage): Promise<{ ok: true; value: unknown } | { ok: false; status: number; message: string }> {
  const type = req.headers['content-type'] ?? '';
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY) return { ok: false, status: 413, message: 'request body is larger than 1 MiB' };
      chunks.push(chunk as Buffer);
    }
  } catch {
    return { ok: false, status: 400, message: 'the request body was cut off' };
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return { ok: true, value: {} };
  if (type && !type.includes('json')) return { ok: false, status: 415, message: 'send the body as application/json' };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, status: 400, message: `malformed JSON: ${(err as Error).message}` };
  }
}

export type { ApiErrorCode };
