/**
 * Camera credentials at rest in the desktop app, keyed by the OS keychain.
 *
 * Electron's safeStorage exists only in the main process, while the engine
 * (and its synchronous SecretBox) runs in the utility process. So this is
 * envelope encryption, the way Chromium protects its own cookie key: a random
 * 32-byte data key is sealed with safeStorage (DPAPI on Windows, Keychain on
 * macOS, libsecret/KWallet on Linux) into DIR/secret.key.sealed; at launch
 * main unseals it and hands it to the engine host over its private port,
 * where the engine's AES-256-GCM box (KeyFileSecretBox.fromKey) uses it.
 * No plaintext key is ever written to disk.
 *
 * The headless key-file scheme (DIR/secret.key, mode 0600) stays for
 * `npm run serve`, and is kept when:
 * - the data folder already has a secret.key (made by headless mode): its
 *   stored credentials are sealed with that key;
 * - safeStorage is unavailable, or on Linux only has its "basic_text"
 *   backend (no keyring running), where it would merely obfuscate with a
 *   hard-coded password: a 0600 key file is no weaker, and honest.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SafeStorage } from 'electron';
import { KeyFileSecretBox, type SecretBox } from '../engine/secrets/secret-box.ts';

export const SEALED_KEY_FILE = 'secret.key.sealed';
export const PLAIN_KEY_FILE = 'secret.key';

export type SafeStorageLike = Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString'> & {
  getSelectedStorageBackend?: () => string;
};

export type CredentialsKey =
  | { kind: 'safe-storage'; key: Buffer; created: boolean }
  | { kind: 'key-file'; reason: string };

/** Linux backends that do not involve a real keyring. */
const WEAK_LINUX_BACKENDS = new Set(['basic_text', 'unknown']);

export class SealedKeyError extends Error {
  override name = 'SealedKeyError';
}

/**
 * Returns the data key sealed by safeStorage (creating it on first run), or
 * says why the key-file scheme is used instead. Throws SealedKeyError when a
 * sealed key exists but the keychain cannot open it (never silently replaced:
 * that would orphan every stored password).
 */
export function unsealCredentialsKey(dataDir: string, safeStorage: SafeStorageLike, platform: string = process.platform): CredentialsKey {
  const sealedFile = join(dataDir, SEALED_KEY_FILE);
  const plainFile = join(dataDir, PLAIN_KEY_FILE);
  const sealedExists = existsSync(sealedFile);
  if (!sealedExists && existsSync(plainFile)) {
    return { kind: 'key-file', reason: 'this data folder was created by headless mode; its key file stays in use' };
  }
  if (!safeStorage.isEncryptionAvailable()) {
    if (sealedExists) throw new SealedKeyError('the OS keychain is not available, so the stored camera passwords cannot be unlocked');
    return { kind: 'key-file', reason: 'the OS keychain is not available' };
  }
  if (platform === 'linux' && !sealedExists) {
    const backend = safeStorage.getSelectedStorageBackend?.() ?? 'unknown';
    if (WEAK_LINUX_BACKENDS.has(backend)) {
      return { kind: 'key-file', reason: `no keyring is running (safeStorage backend "${backend}")` };
    }
  }
  if (sealedExists) {
    let key: Buffer;
    try {
      key = Buffer.from(safeStorage.decryptString(readFileSync(sealedFile)), 'base64');
    } catch (err) {
      throw new SealedKeyError(`the OS keychain could not unlock ${sealedFile}: ${(err as Error).message}`);
    }
    if (key.length !== 32) throw new SealedKeyError(`${sealedFile} does not hold a Keepwatch key`);
    return { kind: 'safe-storage', key, created: false };
  }
  const key = randomBytes(32);
  writeFileSync(sealedFile, safeStorage.encryptString(key.toString('base64')), { mode: 0o600, flag: 'wx' });
  chmodSync(sealedFile, 0o600);
  return { kind: 'safe-storage', key, created: true };
}

/** The engine's SecretBox over a key unsealed above (what the engine host builds). */
export function secretBoxFor(key: Buffer): SecretBox {
  return KeyFileSecretBox.fromKey(key);
}
