/**
 * The simulated device's login check, done the way cameras do it: the
 * WS-Security digest is recomputed from nonce + Created + password, and
 * Created must be close to the device's *own* clock (which may be hours off).
 * Nonces are remembered so a replayed token fails.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { node, text, type XmlNode } from './request-xml.ts';

export interface SimLogin {
  username: string;
  password: string;
  /** How far Created may be from the device clock. */
  toleranceMs: number;
}

export class WsseChecker {
  private readonly seenNonces = new Map<string, number>();

  constructor(private readonly login: () => SimLogin) {}

  /** True when the header carries a valid UsernameToken for the device clock `deviceNow`. */
  check(header: XmlNode, deviceNow: number): boolean {
    const token = node(node(header, 'Security'), 'UsernameToken');
    const username = text(token, 'Username');
    const digest = text(token, 'Password');
    const nonce = text(token, 'Nonce');
    const created = text(token, 'Created');
    if (username === undefined || !digest || !nonce || !created) return false;
    const { username: expectedUser, password, toleranceMs } = this.login();
    const createdMs = Date.parse(created);
    if (!Number.isFinite(createdMs) || Math.abs(createdMs - deviceNow) > toleranceMs) return false;
    this.forgetOldNonces(deviceNow, toleranceMs);
    if (this.seenNonces.has(nonce)) return false;
    const expected = createHash('sha1')
      .update(Buffer.concat([Buffer.from(nonce, 'base64'), Buffer.from(created, 'utf8'), Buffer.from(password, 'utf8')]))
      .digest('base64');
    if (username !== expectedUser || expected !== digest) return false;
    this.seenNonces.set(nonce, deviceNow);
    return true;
  }

  private forgetOldNonces(now: number, toleranceMs: number): void {
    for (const [nonce, at] of this.seenNonces) if (now - at > 2 * toleranceMs) this.seenNonces.delete(nonce);
  }
}

/** HTTP Digest (MD5, qop=auth), for devices set to demand it instead of WS-Security. */
export class HttpDigestChecker {
  readonly realm = 'keepwatch-sim';
  private readonly nonces = new Set<string>();

  constructor(private readonly login: () => SimLogin) {}

  challenge(): string {
    const nonce = randomBytes(12).toString('hex');
    this.nonces.add(nonce);
    return `Digest realm="${this.realm}", qop="auth", nonce="${nonce}", algorithm=MD5`;
  }

  check(headers: IncomingHttpHeaders, method: string): boolean {
    const header = headers.authorization;
    if (!header?.startsWith('Digest ')) return false;
    const params: Record<string, string> = {};
    for (const m of header.matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)) params[m[1]] = m[2] ?? m[3] ?? '';
    if (!this.nonces.has(params.nonce)) return false;
    const { username, password } = this.login();
    const md5 = (s: string) => createHash('md5').update(s).digest('hex');
    const ha1 = md5(`${username}:${this.realm}:${password}`);
    const ha2 = md5(`${method}:${params.uri}`);
    const expected = md5(`${ha1}:${params.nonce}:${params.nc}:${params.cnonce}:auth:${ha2}`);
    return params.username === username && params.response === expected;
  }
}
