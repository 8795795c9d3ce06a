/**
 * The headless transport: the HTTP API (routes.ts → the dispatcher), recording
 * media by id with Range, the built renderer, and WebSocket upgrades for live
 * view. Binds 127.0.0.1 unless told otherwise.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { existsSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import type { ErrorCode } from '../../preload/api.ts';
import type { Dispatcher } from '../engine/handlers.ts';
import type { Store } from '../engine/storage/store.ts';
import { ApiFailure } from '../engine/errors.ts';
import { resolveSegmentFile, sendFileWithRange } from '../engine/playback/media.ts';
import { isPathInside } from '../engine/playback/media-path.ts';
import { Id } from '../../preload/api.ts';
import { hostAllowed, TOKEN_COOKIE, tokenFromRequest, tokenMatches } from './auth.ts';
import { httpRoutes as routes, inputFromRequest, matchPath } from '../../preload/http-routes.ts';
import type { Logger } from '../engine/log.ts';

const STATUS: Record<ErrorCode | 'unauthorized', number> = {
  invalid_input: 400,
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
  unavailable: 503,
  internal: 500,
};

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

/** Content-Security-Policy of the served UI: own origin only, nothing remote. */
export const UI_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "media-src 'self' blob:; connect-src 'self' ws: wss:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** A WebSocket endpoint (live view) registered by another module. */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => void;

/** An extra raw HTTP route (snapshots, exports) registered by another module. Returns false when it does not match. */
export type RawHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;

export interface HttpServerOptions {
  dispatcher: Dispatcher;
  store: Store;
  token: string;
  log: Logger;
  /** Built renderer (index.html + assets); null serves a plain notice. */
  staticDir: string | null;
  /** Extra Host header names accepted when bound beyond loopback. */
  extraHosts?: string[];
}

export class HttpServer {
  readonly server: Server;
  private port = 0;
  private readonly upgrades = new Map<string, UpgradeHandler>();
  private readonly raw: RawHandler[] = [];

  constructor(private readonly opts: HttpServerOptions) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err) => {
        opts.log.error(`http: ${(err as Error).message}`);
        if (!res.headersSent) this.sendError(res, 'internal', 'internal error');
        else res.destroy();
      });
    });
    this.server.on('upgrade', (req, socket, head) => this.handleUpgrade(req, socket, head));
  }

  addUpgrade(pathPrefix: string, handler: UpgradeHandler): void {
    this.upgrades.set(pathPrefix, handler);
  }

  addRawRoute(handler: RawHandler): void {
    this.raw.push(handler);
  }

  listen(port: number, host = '127.0.0.1'): Promise<number> {
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

  private authorized(req: IncomingMessage, url: URL): boolean {
    return tokenMatches(tokenFromRequest(req, url), this.opts.token);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    if (!hostAllowed(req.headers.host, this.port, this.opts.extraHosts)) {
      this.sendError(res, 'invalid_input', 'unexpected Host header', 403);
      return;
    }
    // Dot segments would be normalised away by URL parsing: refuse them outright.
    if (/(^|\/|%2f)(\.|%2e){2}(\/|%2f|$)/i.test((req.url ?? '').split('?')[0])) {
      this.sendError(res, 'invalid_input', 'paths must not contain ".." segments');
      return;
    }
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const isApi = url.pathname === '/api' || url.pathname.startsWith('/api/');

    if (!this.authorized(req, url)) {
      if (isApi) this.sendError(res, 'unauthorized', 'missing or wrong API token (see DIR/api-token)');
      else this.sendLocked(res);
      return;
    }
    // A cross-site page must not drive the API with the user's cookie.
    const origin = req.headers.origin;
    if (origin && req.method !== 'GET' && req.method !== 'HEAD' && origin !== `http://${req.headers.host}`) {
      this.sendError(res, 'invalid_input', 'cross-origin request refused', 403);
      return;
    }

    if (!isApi) {
      this.serveStatic(req, res, url);
      return;
    }

    for (const handler of this.raw) if (await handler(req, res, url)) return;

    const media = /^\/api\/recordings\/([^/]+)\/media$/.exec(url.pathname);
    if (media && (req.method === 'GET' || req.method === 'HEAD')) {
      this.serveMedia(req, res, media[1]);
      return;
    }

    const candidates = routes.filter((r) => matchPath(r.path, url.pathname));
    if (!candidates.length) {
      this.sendError(res, 'not_found', `no such API route: ${url.pathname}`);
      return;
    }
    const route = candidates.find((r) => r.method === req.method);
    if (!route) {
      res.setHeader('Allow', candidates.map((r) => r.method).join(', '));
      this.sendError(res, 'invalid_input', `${req.method} is not allowed on ${url.pathname}`, 405);
      return;
    }
    let body: unknown = undefined;
    if (req.method === 'POST' || req.method === 'PATCH') {
      const parsed = await readJsonBody(req);
      if (!parsed.ok) {
        if (parsed.status === 413) res.shouldKeepAlive = false; // the rest of the body is never read
        this.sendError(res, 'invalid_input', parsed.message, parsed.status);
        return;
      }
      body = parsed.value;
    }
    const params = matchPath(route.path, url.pathname)!;
    const result = await this.opts.dispatcher.dispatch(route.op, inputFromRequest(route, params, url.searchParams, body));
    if (result.ok) this.sendJson(res, route.status ?? 200, result.value);
    else this.sendError(res, result.error.code, result.error.message);
  }

  private serveMedia(req: IncomingMessage, res: ServerResponse, rawId: string): void {
    const id = Id.safeParse(rawId);
    if (!id.success) {
      this.sendError(res, 'invalid_input', 'recording id must be a positive integer');
      return;
    }
    try {
      const file = resolveSegmentFile(this.opts.store, id.data);
      sendFileWithRange(res, file, req.headers.range, 'video/mp4', req.method === 'HEAD');
    } catch (err) {
      if (err instanceof ApiFailure) this.sendError(res, err.code, err.message);
      else throw err;
    }
  }

  private serveStatic(req: IncomingMessage, res: ServerResponse, url: URL): void {
    // Opening the start-up URL (?token=...) stores the token in a cookie and
    // drops it from the address bar.
    if (url.searchParams.has('token')) {
      res.setHeader('Set-Cookie', `${TOKEN_COOKIE}=${encodeURIComponent(this.opts.token)}; Path=/; HttpOnly; SameSite=Strict`);
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
      this.sendError(res, 'invalid_input', 'malformed path', 400);
      return;
    }
    const candidate = resolve(root, '.' + rel);
    const inside = isPathInside(candidate, resolve(root));
    const file = inside && existsSync(candidate) && statSync(candidate).isFile() ? candidate : join(root, 'index.html');
    const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
    res.setHeader('Content-Security-Policy', UI_CSP);
    res.setHeader('X-Frame-Options', 'DENY');
    const st = statSync(file);
    sendFileWithRange(res, { path: file, size: st.size, mtimeMs: st.mtimeMs }, undefined, type, req.method === 'HEAD');
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
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const origin = req.headers.origin;
    const sameOrigin = !origin || origin === `http://${req.headers.host}`;
    if (!hostAllowed(req.headers.host, this.port, this.opts.extraHosts) || !sameOrigin || !this.authorized(req, url)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    for (const [prefix, handler] of this.upgrades) {
      if (url.pathname.startsWith(prefix)) {
        handler(req, socket, head, url);
        return;
      }
    }
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
  }

  private sendJson(res: ServerResponse, status: number, value: unknown): void {
    const body = JSON.stringify(value);
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(body);
  }

  private sendError(res: ServerResponse, code: ErrorCode | 'unauthorized', message: string, status?: number): void {
    this.sendJson(res, status ?? STATUS[code], { error: { code, message } });
  }
}

async function readJsonBody(req: IncomingMessage): Promise<{ ok: true; value: unknown } | { ok: false; status: number; message: string }> {
  const type = req.headers['content-type'] ?? '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return { ok: false, status: 413, message: 'request body is larger than 1 MiB' };
    chunks.push(chunk as Buffer);
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
