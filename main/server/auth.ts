/**
 * The API token of the headless server: DIR/api-token (mode 0600), required
 * on every request as `Authorization: Bearer <token>`, the `kw_token` cookie
 * (set when the start-up URL is opened) or `?token=` (for media elements).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';

export const TOKEN_COOKIE = 'kw_token';

export function loadOrCreateToken(file: string): string {
  if (!existsSync(file)) writeFileSync(file, randomBytes(24).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  const token = readFileSync(file, 'utf8').trim();
  if (token.length < 16) throw new Error(`${file} holds no usable token (delete it to make a new one)`);
  return token;
}

export function tokenFromRequest(req: IncomingMessage, url: URL): string | null {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const q = url.searchParams.get('token');
  if (q) return q;
  const cookie = req.headers.cookie;
  if (cookie) {
    for (const part of cookie.split(';')) {
      const [k, ...v] = part.trim().split('=');
      if (k === TOKEN_COOKIE) return decodeURIComponent(v.join('='));
    }
  }
  return null;
}

export function tokenMatches(given: string | null, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * DNS-rebinding guard: only Host headers naming this server are served, so a
 * web page on another origin cannot reach the API through a rebound name.
 */
export function hostAllowed(hostHeader: string | undefined, port: number, extraHosts: string[] = []): boolean {
  if (!hostHeader) return false;
  const allowed = new Set(
    ['127.0.0.1', 'localhost', '[::1]', ...extraHosts].flatMap((h) => [`${h}:${port}`, ...(port === 80 ? [h] : [])]),
  );
  return allowed.has(hostHeader.toLowerCase());
}
