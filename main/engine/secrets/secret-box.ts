/**
 * Encryption of camera credentials at rest.
 *
 * The engine only sees the SecretBox interface. Headless mode uses a key file
 * (DIR/secret.key, 32 random bytes, mode 0600) with AES-256-GCM; the desktop
 * app supplies a box backed by Electron's safeStorage (the OS keychain).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';

export interface SecretBox {
  encrypt(plain: string): Buffer;
  decrypt(sealed: Buffer): string;
}

const VERSION = 1;

export class KeyFileSecretBox implements SecretBox {
  private constructor(private readonly key: Buffer) {}

  /** A box over a key kept elsewhere (the desktop app unseals it with Electron safeStorage). */
  static fromKey(key: Buffer): KeyFileSecretBox {
    if (key.length !== 32) throw new Error('a Keepwatch credentials key is 32 bytes');
    return new KeyFileSecretBox(Buffer.from(key));
  }

  /** Loads DIR/secret.key, creating it (0600) on first run. */
  static open(keyFile: string): KeyFileSecretBox {
    if (!existsSync(keyFile)) {
      writeFileSync(keyFile, randomBytes(32), { mode: 0o600, flag: 'wx' });
    }
    chmodSync(keyFile, 0o600);
    const key = readFileSync(keyFile);
    if (key.length !== 32) throw new Error(`${keyFile} is not a Keepwatch key file (expected 32 bytes)`);
    return new KeyFileSecretBox(key);
  }

  encrypt(plain: string): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
  }

  decrypt(sealed: Buffer): string {
    if (sealed[0] !== VERSION || sealed.length < 29) throw new Error('stored credentials are in an unknown format');
    const decipher = createDecipheriv('aes-256-gcm', this.key, sealed.subarray(1, 13));
    decipher.setAuthTag(sealed.subarray(13, 29));
    return Buffer.concat([decipher.update(sealed.subarray(29)), decipher.final()]).toString('utf8');
  }
}

export interface Credentials {
  username: string;
  password: string;
}

export function sealCredentials(box: SecretBox, c: Credentials | null): Buffer | null {
  return c && (c.username || c.password) ? box.encrypt(JSON.stringify({ u: c.username, p: c.password })) : null;
}

export function openCredentials(box: SecretBox, sealed: Buffer | null): Credentials | null {
  if (!sealed) return null;
  const { u, p } = JSON.parse(box.decrypt(sealed)) as { u: string; p: string };
  return { username: u, password: p };
}
