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
import { tokenCookie, tokenFromRequest, tokenMatches } from './auth.ts';
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

/** A binary GET route's handler: the path parameters are decoded, nothing else is checked yet. */
export type RawRouteHandler = (req: IncomingMessage, res: ServerResponse, params: Record<string, string>) => void | Promise<void>;

/** A WebSocket route's handler (live view); the request passed the Host, Origin and token checks. */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, params: Record<string, string>) => void;

export interface HttpServerOptions {
  dispatcher: Dispatcher;
  token: string;
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

  constructor(private readonly opts: HttpServerOptions) {
    this.allowedHosts = (opts.allowedHosts ?? []).map((h) => h.toLowerCase());
    this.server = createServer({ requestTimeout: 60_000, headersTimeout: 20_000 }, (req, res) => {
      this.handle(req, res).catch((err) => this.unexpected(res, err));
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => socket.destroy());
      try {
        this.handleUpgrade(req, socket, head);
      } catch (err) {
        opts.log.error(`http upgrade: ${(err as Error).message}`);
        socket.destroy();
      }
    });
    // What node's HTTP parser cannot read (chunked junk, header overflow, a bad method): 400 and close.
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
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

  private hostOk(req: IncomingMessage): boolean {
    return hostAllowed(req.headers.host, req.socket.localAddress, { port: this.port, allowedNames: this.allowedHosts });
  }

  private authorized(req: IncomingMessage, url: URL): boolean {
    return tokenMatches(tokenFromRequest(req, url), this.opts.token);
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

    if (!this.authorized(req, url.value)) {
      if (isApi) sendApiError(res, 'unauthorized', 'missing or wrong API token (see DIR/api-token)');
      else this.sendLocked(res);
      return;
    }
    // A cross-site page must not drive the API with the user's cookie.
    if (req.method !== 'GET' && req.method !== 'HEAD' && !originAllowed(req.headers.origin, req.headers.host)) {
      sendApiError(res, 'invalid_input', 'cross-origin request refused', 403);
      return;
    }

    if (!isApi) {
      this.serveStatic(req, res, url.value);
      return;
    }

    const raw = matchRawRoute(pathname, 'get');
    if (raw) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('Allow', 'GET, HEAD');
        sendApiError(res, 'invalid_input', `${req.method} is not allowed on ${pathname}`, 405);
        return;
      }
      const handler = this.raw.get(raw.route.name);
      if (!handler) sendApiError(res, 'not_found', `no such API route: ${pathname}`);
      else await handler(req, res, raw.params);
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
    const result = await this.opts.dispatcher.dispatch(route.op, inputFromRequest(route, params, url.value.searchParams, body));
    if (result.ok) sendJson(res, route.status ?? 200, result.value);
    else sendApiError(res, result.error.code, result.error.message);
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
      res.setHeader('Set-Cookie', tokenCookie(this.opts.token));
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

  private sendLocked(res: ServerResponse): void {
    res.writeHead(401, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': UI_CSP });
    res.end(
      '<!doctype html><meta charset="utf-8"><title>Keepwatch</title>' +
        '<body style="background:#0f1115;color:#d7dae0;font:16px system-ui;padding:3em">' +
        '<h1>Keepwatch</h1><p>Open the address printed by <code>npm run serve</code>: it contains the access token.</p></body>',
    );
  }

  private handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refuse = (status: string): void => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const url = parseRequestTarget(req.url);
    if (!url.ok) return refuse('400 Bad Request');
    if (!this.hostOk(req) || !originAllowed(req.headers.origin, req.headers.host) || !this.authorized(req, url.value)) {
      return refuse('401 Unauthorized');
    }
    const match = matchRawRoute(url.value.pathname, 'websocket');
    const handler = match && this.upgrades.get(match.route.name);
    if (!match || !handler) return refuse('404 Not Found');
    handler(req, socket, head, match.params);
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
