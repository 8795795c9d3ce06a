/**
 * Who a request is. Credentials, tried in this order, the first valid one wins:
 *   - `Authorization: Bearer <token>`: the owner's token (DIR/api-token, or
 *     the desktop's per-launch token) or a personal API token (`kwt_…`);
 *   - `?token=` (media elements, the start-up URL): the same tokens;
 *   - the `kw_session` cookie (a login; HttpOnly, SameSite=Strict, Secure over TLS);
 *   - the `kw_token` cookie (set when the start-up URL is opened: the owner).
 * Cookies are parsed by the `cookie` package (jshttp), which never throws.
 * What a caller may then do is decided by main/engine/access/guard.ts.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { parseCookie, stringifySetCookie } from 'cookie';
import type { Caller } from '../engine/access/caller.ts';
import type { ClientInfo } from '../engine/handlers.ts';

export const TOKEN_COOKIE = 'kw_token';
export const SESSION_COOKIE = 'kw_session';

export function loadOrCreateToken(file: string): string {
  if (!existsSync(file)) writeFileSync(file, randomBytes(24).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  const token = readFileSync(file, 'utf8').trim();
  if (token.length < 16) throw new Error(`${file} holds no usable token (delete it to make a new one)`);
  return token;
}

/** What the server needs of the user service to name a caller. */
export interface Authenticator {
  /** The owner's token and how it is presented (desktop: 'local'; headless: 'owner-token'). */
  ownerToken: string;
  ownerVia: 'local' | 'owner-token';
  ownerCaller(via: 'local' | 'owner-token', address: string): Caller;
  authenticateSession(secret: string, address: string): Caller | null;
  authenticateToken(secret: string, address: string): Caller | null;
}

export function clientOf(req: IncomingMessage): ClientInfo {
  const agent = req.headers['user-agent'];
  return {
    address: req.socket.remoteAddress ?? 'unknown',
    userAgent: typeof agent === 'string' ? agent.slice(0, 200) : '',
    secure: !!(req.socket as TLSSocket).encrypted,
  };
}

/** The caller a request's credentials name, or null (signed out). */
export function callerOf(req: IncomingMessage, url: URL, auth: Authenticator): Caller | null {
  const address = req.socket.remoteAddress ?? 'unknown';
  const byToken = (token: string): Caller | null => {
    if (tokenMatches(token, auth.ownerToken)) return auth.ownerCaller(auth.ownerVia, address);
    return token.startsWith('kwt_') ? auth.authenticateToken(token, address) : null;
  };
  const header = req.headers.authorization;
  if (typeof header === 'string' && header.startsWith('Bearer ')) {
    const caller = byToken(header.slice(7).trim());
    if (caller) return caller;
  }
  const query = url.searchParams.get('token');
  if (query) {
    const caller = byToken(query);
    if (caller) return caller;
  }
  const cookie = req.headers.cookie;
  if (typeof cookie !== 'string') return null;
  const cookies = parseCookie(cookie);
  const session = cookies[SESSION_COOKIE];
  if (session) {
    const caller = auth.authenticateSession(session, address);
    if (caller) return caller;
  }
  const owner = cookies[TOKEN_COOKIE];
  return owner && tokenMatches(owner, auth.ownerToken) ? auth.ownerCaller(auth.ownerVia, address) : null;
}

/** The Set-Cookie value that stores the owner's token in the browser (opening the start-up URL). */
export function tokenCookie(token: string, secure: boolean): string {
  return stringifySetCookie({ name: TOKEN_COOKIE, value: token, path: '/', httpOnly: true, sameSite: 'strict', secure });
}

/** The Set-Cookie value of a new login. */
export function sessionCookie(secret: string, expiresAt: number, secure: boolean): string {
  return stringifySetCookie({ name: SESSION_COOKIE, value: secret, path: '/', httpOnly: true, sameSite: 'strict', secure, expires: new Date(expiresAt) });
}

/** Set-Cookie values that end both kinds of browser sign-in (logout). */
export function clearedCookies(secure: boolean): string[] {
  return [SESSION_COOKIE, TOKEN_COOKIE].map((name) =>
    stringifySetCookie({ name, value: '', path: '/', httpOnly: true, sameSite: 'strict', secure, expires: new Date(0) }),
  );
}

export function tokenMatches(given: string | null, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
