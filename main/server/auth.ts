/**
 * The API token of the headless server: DIR/api-token (mode 0600), required
 * on every request as `Authorization: Bearer <token>`, the `kw_token` cookie
 * (set when the start-up URL is opened) or `?token=` (for media elements).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { parseCookie, stringifySetCookie } from 'cookie';

export const TOKEN_COOKIE = 'kw_token';

export function loadOrCreateToken(file: string): string {
  if (!existsSync(file)) writeFileSync(file, randomBytes(24).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  const token = readFileSync(file, 'utf8').trim();
  if (token.length < 16) throw new Error(`${file} holds no usable token (delete it to make a new one)`);
  return token;
}

/**
 * The token a request carries, or null. Cookies are parsed by the `cookie`
 * package (jshttp), which never throws: a value that does not percent-decode
 * is kept as it is and simply does not match.
 */
export function tokenFromRequest(req: IncomingMessage, url: URL): string | null {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7).trim();
  const q = url.searchParams.get('token');
  if (q) return q;
  const cookie = req.headers.cookie;
  return typeof cookie === 'string' ? (parseCookie(cookie)[TOKEN_COOKIE] ?? null) : null;
}

/** The Set-Cookie value that stores the token in the browser (opening the start-up URL). */
export function tokenCookie(token: string): string {
  return stringifySetCookie({ name: TOKEN_COOKIE, value: token, path: '/', httpOnly: true, sameSite: 'strict' });
}

export function tokenMatches(given: string | null, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
