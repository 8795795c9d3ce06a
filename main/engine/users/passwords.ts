/**
 * Password hashing and the password rules.
 *
 * scrypt from node:crypto, run asynchronously on libuv's thread pool (the
 * event loop never waits for a hash), at most two at a time so logins cannot
 * take every pool thread from the disk. The stored form describes itself,
 * `scrypt$N$r$p$salt$hash` (salt and hash base64url), so the cost can be
 * raised later and old hashes still verify.
 *
 * Cost: N = 2^15, r = 8, p = 1 (32 MiB per hash) takes ~115 ms per hash on the
 * development machine (2 cores; 90–140 ms measured by
 * tests/users/passwords.test.ts), inside the 50–250 ms target.
 */
import { createRequire } from 'node:module';
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { MIN_PASSWORD_LENGTH } from '../../../preload/api.ts';
import { FALLBACK_COMMON_PASSWORDS } from './common-passwords.ts';

export interface PasswordCost {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

export const DEFAULT_PASSWORD_COST: PasswordCost = { N: 2 ** 15, r: 8, p: 1 };

const SALT_BYTES = 16;
const HASH_BYTES = 32;
const MAX_PARALLEL_HASHES = 2;
/** Whatever a stored hash claims, never allocate more than this for it. */
const MAX_MEMORY = 512 * 1024 * 1024;

// ---------------------------------------------------------------- hashing

let running = 0;
const waiting: (() => void)[] = [];

/** A hashing slot; when all are taken, waits for one to be handed over. */
async function acquire(): Promise<void> {
  if (running < MAX_PARALLEL_HASHES) {
    running++;
    return;
  }
  await new Promise<void>((resolve) => waiting.push(resolve));
}

function release(): void {
  const next = waiting.shift();
  if (next) next(); // the slot passes straight to the next in line
  else running--;
}

/** scrypt on the thread pool, at most MAX_PARALLEL_HASHES at once. */
async function scryptLimited(password: string, salt: Buffer, length: number, cost: PasswordCost): Promise<Buffer> {
  await acquire();
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      // scrypt needs 128·N·r bytes; leave headroom above that.
      const maxmem = Math.min(MAX_MEMORY, 256 * cost.N * cost.r + 1024 * 1024);
      scrypt(password.normalize('NFC'), salt, length, { N: cost.N, r: cost.r, p: cost.p, maxmem }, (err, key) => (err ? reject(err) : resolve(key)));
    });
  } finally {
    release();
  }
}

/** A new hash of `password` with a fresh random salt, in the stored form. */
export async function hashPassword(password: string, cost: PasswordCost = DEFAULT_PASSWORD_COST): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await scryptLimited(password, salt, HASH_BYTES, cost);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

interface ParsedHash {
  cost: PasswordCost;
  salt: Buffer;
  hash: Buffer;
}

function parseHash(encoded: string): ParsedHash | null {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [N, r, p] = parts.slice(1, 4).map((x) => (/^\d{1,10}$/.test(x) ? Number(x) : NaN));
  if (!N || !r || !p || N < 2 || (N & (N - 1)) !== 0 || 128 * N * r > MAX_MEMORY || p > 16) return null;
  const salt = Buffer.from(parts[4], 'base64url');
  const hash = Buffer.from(parts[5], 'base64url');
  if (salt.length < 8 || hash.length < 16 || hash.length > 64) return null;
  return { cost: { N, r, p }, salt, hash };
}

/**
 * Whether `password` matches the stored hash (compared in constant time).
 * A damaged or unknown stored form never matches, and never throws.
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parsed = parseHash(encoded);
  if (!parsed) return false;
  const actual = await scryptLimited(password, parsed.salt, parsed.hash.length, parsed.cost);
  return timingSafeEqual(actual, parsed.hash);
}

/** Whether a stored hash was made with other parameters than `cost` (re-hash it at the next successful login). */
export function needsRehash(encoded: string, cost: PasswordCost = DEFAULT_PASSWORD_COST): boolean {
  const parsed = parseHash(encoded);
  return !parsed || parsed.cost.N !== cost.N || parsed.cost.r !== cost.r || parsed.cost.p !== cost.p;
}

/**
 * A hash of nothing anybody knows, with the given cost: verifying a password
 * of an unknown user (or of one without a password) against it takes as long
 * as a real verification, so the answer's timing does not tell which it was.
 */
export function dummyHash(cost: PasswordCost = DEFAULT_PASSWORD_COST): string {
  return ['scrypt', cost.N, cost.r, cost.p, randomBytes(SALT_BYTES).toString('base64url'), randomBytes(HASH_BYTES).toString('base64url')].join('$');
}

// ---------------------------------------------------------------- rules

let common: { words: ReadonlySet<string>; source: string } | null = null;

/**
 * The commonest passwords, lower-cased: the ~49 000 of `@zxcvbn-ts/language-common`
 * when that package is installed, else the short list in ./common-passwords.ts.
 * Loaded on first use (the full list is ~0.5 MB).
 */
function commonPasswords(): { words: ReadonlySet<string>; source: string } {
  if (common) return common;
  let words: readonly string[] = FALLBACK_COMMON_PASSWORDS;
  let source = 'built-in list';
  try {
    // Resolved at run time so Keepwatch builds and runs without the package.
    const pkg = '@zxcvbn-ts/language-common';
    const mod = createRequire(import.meta.url)(pkg) as { dictionary?: Record<string, unknown> };
    const list = mod.dictionary?.['passwords-common'] ?? mod.dictionary?.passwords;
    if (Array.isArray(list) && list.length > 1000 && list.every((w) => typeof w === 'string')) {
      words = [...(list as string[]), ...FALLBACK_COMMON_PASSWORDS];
      source = pkg;
    }
  } catch {
    // Not installed: the built-in list.
  }
  common = { words: new Set(words.map((w) => w.toLowerCase())), source };
  return common;
}

/** Which list of common passwords is in use (docs, tests, start-up log). */
export function commonPasswordSource(): string {
  return commonPasswords().source;
}

/**
 * Why `password` may not be used by `username`, or null when it may:
 * shorter than MIN_PASSWORD_LENGTH, the username (with digits or symbols
 * around it), one character repeated, or one of the commonest passwords
 * (also with digits or symbols around it: "password2024!").
 */
export function passwordProblem(password: string, username: string): string | null {
  if ([...password].length < MIN_PASSWORD_LENGTH) return `a password needs at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > 256) return 'password is longer than 256 characters';
  const lower = password.normalize('NFC').toLowerCase();
  const core = lower.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '');
  const name = username.normalize('NFC').trim().toLowerCase();
  if (name && (lower === name || core === name || lower.includes(name) && lower.replace(name, '').replace(/[^\p{L}]/gu, '') === '')) {
    return 'a password must not be the username';
  }
  if (new Set(lower).size <= 2) return 'a password needs more than one or two different characters';
  const words = commonPasswords().words;
  if (words.has(lower) || (core.length >= 4 && words.has(core))) return 'this is one of the most common passwords; choose another';
  return null;
}
