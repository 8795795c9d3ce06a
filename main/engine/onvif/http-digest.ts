/**
 * HTTP Digest authentication (RFC 7616), the second scheme ONVIF allows.
 * Newer firmware (Profile T) may demand it instead of, or on top of, the
 * WS-Security token: the camera answers 401 with a WWW-Authenticate challenge
 * and we retry once with an Authorization header.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Credentials } from './wsse.ts';

export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  qop?: string;
  algorithm: 'MD5' | 'SHA-256';
}

/** All Digest challenges among the raw header lines; SHA-256 ones first (stronger). */
export function parseDigestChallenges(rawHeaders: string[]): DigestChallenge[] {
  const challenges: DigestChallenge[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i].toLowerCase() !== 'www-authenticate') continue;
    const value = rawHeaders[i + 1];
    if (!/^\s*digest\s/i.test(value)) continue;
    const params: Record<string, string> = Object.create(null);
    for (const match of value.matchAll(/([a-zA-Z]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
      params[match[1].toLowerCase()] = (match[2] ?? match[3] ?? '').replace(/\\(.)/g, '$1');
    }
    const algorithm = (params.algorithm ?? 'MD5').toUpperCase();
    if (!params.nonce || (algorithm !== 'MD5' && algorithm !== 'SHA-256')) continue;
    challenges.push({
      realm: params.realm ?? '',
      nonce: params.nonce,
      opaque: params.opaque,
      qop: params.qop,
      algorithm,
    });
  }
  return challenges.sort((a, b) => (a.algorithm === b.algorithm ? 0 : a.algorithm === 'SHA-256' ? -1 : 1));
}

function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/** The Authorization header value answering one challenge for one request. */
export function digestAuthorization(
  challenge: DigestChallenge,
  credentials: Credentials,
  method: string,
  uri: string,
  cnonce: string = randomBytes(8).toString('hex'),
): string {
  const hash = (text: string) => createHash(challenge.algorithm === 'SHA-256' ? 'sha256' : 'md5').update(text, 'utf8').digest('hex');
  const ha1 = hash(`${credentials.username}:${challenge.realm}:${credentials.password}`);
  const ha2 = hash(`${method}:${uri}`);
  const useQop = challenge.qop?.split(',').map((q) => q.trim()).includes('auth');
  const nc = '00000001';
  const response = useQop
    ? hash(`${ha1}:${challenge.nonce}:${nc}:${cnonce}:auth:${ha2}`)
    : hash(`${ha1}:${challenge.nonce}:${ha2}`);
  const parts = [
    `username=${quoted(credentials.username)}`,
    `realm=${quoted(challenge.realm)}`,
    `nonce=${quoted(challenge.nonce)}`,
    `uri=${quoted(uri)}`,
    `algorithm=${challenge.algorithm}`,
    `response=${quoted(response)}`,
  ];
  if (useQop) parts.push('qop=auth', `nc=${nc}`, `cnonce=${quoted(cnonce)}`);
  if (challenge.opaque !== undefined) parts.push(`opaque=${quoted(challenge.opaque)}`);
  return `Digest ${parts.join(', ')}`;
}
