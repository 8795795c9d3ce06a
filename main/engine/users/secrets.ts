/**
 * The secrets that prove who a caller is: session cookies, personal API
 * tokens, the first-run setup code. Only their SHA-256 is ever stored or
 * kept in memory after they are handed out. Pure apart from the randomness.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export type RandomBytes = (n: number) => Buffer;

export const TOKEN_PREFIX = 'kwt_';
const SECRET_BYTES = 32;
/** base64url of 32 bytes. */
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** A session cookie's value: 32 random bytes, base64url. */
export function newSessionSecret(random: RandomBytes = randomBytes): string {
  return random(SECRET_BYTES).toString('base64url');
}

/** A personal API token: `kwt_` + 32 random bytes, base64url. */
export function newToken(random: RandomBytes = randomBytes): string {
  return TOKEN_PREFIX + random(SECRET_BYTES).toString('base64url');
}

/** Whether a string has the shape of a session secret (checked before hashing anything a client sent). */
export function looksLikeSessionSecret(s: string): boolean {
  return SECRET_PATTERN.test(s);
}

export function looksLikeToken(s: string): boolean {
  return s.startsWith(TOKEN_PREFIX) && SECRET_PATTERN.test(s.slice(TOKEN_PREFIX.length));
}

/** What is stored and looked up instead of a secret. */
export function secretHash(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** No 0/O or 1/I: read off a console and typed, a setup code must not be misread. 32 symbols = 5 bits each. */
const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const CODE_GROUPS = 3;
const CODE_GROUP_LENGTH = 4;

/** A one-time setup code like `ABCD-EFGH-JKLM`: 12 symbols of 5 bits = 60 bits. */
export function newSetupCode(random: RandomBytes = randomBytes): string {
  const bytes = random(CODE_GROUPS * CODE_GROUP_LENGTH);
  // 256 is a multiple of 32: the low five bits of a random byte are uniform.
  const symbols = [...bytes].map((b) => CODE_ALPHABET[b & 31]);
  const groups: string[] = [];
  for (let i = 0; i < CODE_GROUPS; i++) groups.push(symbols.slice(i * CODE_GROUP_LENGTH, (i + 1) * CODE_GROUP_LENGTH).join(''));
  return groups.join('-');
}

/** Whether a typed code is the expected one: case, spaces and dashes do not matter; compared in constant time. */
export function setupCodeMatches(typed: string, expected: string): boolean {
  const norm = (s: string) => s.toUpperCase().replace(/[\s-]/g, '');
  return timingSafeEqual(secretHash(norm(typed)), secretHash(norm(expected)));
}
