/**
 * The LAN server's certificate (docs/lan.md).
 *
 * Generated at first use: ECDSA P-256, valid 10 years, CN "Keepwatch
 * <hostname>", the machine's names and the served addresses and configured
 * names as subject alternative names, extended key usage serverAuth. It is
 * made with @peculiar/x509 on Node's WebCrypto — no hand-written ASN.1 —
 * and read back with node:crypto's X509Certificate (fingerprint, SPKI,
 * host and address checks, key match).
 *
 * A certificate the owner supplies replaces it; it is checked (parseable,
 * the key is its key, not expired) and never regenerated. A generated one is
 * regenerated, with the same key, when the served addresses or names are no
 * longer all in it or it nears its end: keeping the key keeps the SPKI hash
 * a browser may have been told to trust.
 *
 * Files: DATA/tls/cert.pem and key.pem (generated), supplied-cert.pem and
 * supplied-key.pem (the owner's); the folder 0700, keys 0600.
 */
// The Reflect metadata polyfill @peculiar/x509's dependency injection (tsyringe) requires; it only adds Reflect.getMetadata and kin.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { X509Certificate, createHash, createPrivateKey, createPublicKey, webcrypto, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';

export type CertificateSource = 'generated' | 'supplied';

export interface ServedCertificate {
  source: CertificateSource;
  certPem: string;
  keyPem: string;
  /** SHA-256 of the DER certificate, "AB:CD:…" (what browsers show). */
  fingerprint: string;
  /** base64 SHA-256 of the SubjectPublicKeyInfo (Chromium's --ignore-certificate-errors-spki-list). */
  spkiSha256: string;
  /** DNS names and IP addresses the certificate is valid for. */
  subjectAltNames: string[];
  notAfter: number;
}

/** What an owner-supplied certificate was refused for, in words they can act on. */
export class CertificateError extends Error {
  override name = 'CertificateError';
}

const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const VALID_YEARS = 10;
/** A generated certificate is remade this long before it ends. */
const RENEW_BEFORE_MS = 30 * 24 * 3600_000;
const DNS_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

// @peculiar/x509 otherwise looks for a global provider; Node's is passed explicitly.
const crypto = webcrypto;

/** What the certificate must name: the machine, and what is served. */
export interface CertificateNames {
  hostname: string;
  addresses: readonly string[];
  names: readonly string[];
}

/** The machine's own names: its host name and `<name>.local` (mDNS), when they are valid DNS names. */
export function machineNames(hostname: string): string[] {
  const host = hostname.trim().toLowerCase().replace(/\.$/, '');
  if (!DNS_NAME.test(host) || host === 'localhost') return [];
  const local = `${host.split('.')[0]}.local`;
  return host === local ? [host] : [host, local];
}

/** Every DNS name and address the certificate must carry, each once. */
export function requiredAltNames(n: CertificateNames): { dns: string[]; ips: string[] } {
  const dns = [...new Set([...machineNames(n.hostname), ...n.names.map((x) => x.toLowerCase())])];
  const ips = [...new Set(n.addresses.filter((a) => isIP(a)))];
  return { dns, ips };
}

/** Makes a self-signed certificate, with `keyPem` when given (a P-256 key) or a new key. */
export async function generateCertificate(n: CertificateNames, now: number, keyPem?: string): Promise<{ certPem: string; keyPem: string }> {
  const keys = keyPem ? await importKeyPair(keyPem) : await crypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']);
  const { dns, ips } = requiredAltNames(n);
  const notBefore = new Date(now - 3600_000); // an hour of clock skew between devices
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + VALID_YEARS);
  const host = n.hostname.trim() || 'host';
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: [{ CN: [`Keepwatch ${host}`] }],
      notBefore,
      notAfter,
      signingAlgorithm: SIGNING,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([...dns.map((value) => ({ type: 'dns' as const, value })), ...ips.map((value) => ({ type: 'ip' as const, value }))]),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  const outKey = keyPem ?? (createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }) as string);
  return { certPem: cert.toString('pem') + '\n', keyPem: outKey };
}

async function importKeyPair(keyPem: string): Promise<webcrypto.CryptoKeyPair> {
  const key = createPrivateKey(keyPem);
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new CertificateError('the stored key is not an ECDSA P-256 key');
  const privateKey = await crypto.subtle.importKey('pkcs8', key.export({ format: 'der', type: 'pkcs8' }), EC_P256, true, ['sign']);
  const publicKey = await crypto.subtle.importKey('spki', createPublicKey(key).export({ format: 'der', type: 'spki' }), EC_P256, true, ['verify']);
  return { privateKey, publicKey };
}

/**
 * Reads a certificate and its key and checks they belong together; throws a
 * CertificateError saying what is wrong otherwise.
 */
export function describeCertificate(certPem: string, keyPem: string, source: CertificateSource): ServedCertificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (err) {
    throw new CertificateError(`the certificate is not a readable PEM X.509 certificate (${(err as Error).message})`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch (err) {
    throw new CertificateError(`the private key is not a readable, unencrypted PEM key (${(err as Error).message})`);
  }
  if (!cert.checkPrivateKey(key)) throw new CertificateError('the private key does not belong to the certificate');
  const spki = cert.publicKey.export({ format: 'der', type: 'spki' });
  return {
    source,
    certPem,
    keyPem,
    fingerprint: cert.fingerprint256,
    spkiSha256: createHash('sha256').update(spki).digest('base64'),
    subjectAltNames: altNames(cert),
    notAfter: Date.parse(cert.validTo),
  };
}

/** The DNS names and IP addresses of the certificate's subjectAltName extension. */
function altNames(cert: X509Certificate): string[] {
  const ext = new x509.X509Certificate(cert.raw).getExtension(x509.SubjectAlternativeNameExtension);
  return (ext?.names.items ?? []).filter((n) => n.type === 'dns' || n.type === 'ip').map((n) => n.value);
}

/** The required names and addresses the certificate is not valid for. */
export function missingAltNames(served: ServedCertificate, n: CertificateNames): string[] {
  const cert = new X509Certificate(served.certPem);
  const { dns, ips } = requiredAltNames(n);
  return [...dns.filter((d) => cert.checkHost(d, { subject: 'never', wildcards: true }) === undefined), ...ips.filter((ip) => cert.checkIP(ip) === undefined)];
}

/** Checks an owner-supplied pair before it is stored: readable, matching, not expired. */
export function checkSupplied(certPem: string, keyPem: string, now: number): ServedCertificate {
  const served = describeCertificate(certPem, keyPem, 'supplied');
  if (served.notAfter <= now) throw new CertificateError(`the certificate expired on ${new Date(served.notAfter).toISOString()}`);
  return served;
}

/** DATA/tls: the certificate being served, generated or supplied. */
export class CertificateStore {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'tls');
  }

  private path(source: CertificateSource, what: 'cert' | 'key'): string {
    return join(this.dir, source === 'supplied' ? `supplied-${what}.pem` : `${what}.pem`);
  }

  /**
   * The certificate to serve for these names: the owner's when supplied
   * (never changed), else the generated one, made or remade when missing,
   * unreadable, not valid for every name, or near its end.
   */
  async ensure(n: CertificateNames, now: number): Promise<ServedCertificate> {
    const supplied = await this.read('supplied');
    if (supplied) return describeCertificate(supplied.certPem, supplied.keyPem, 'supplied');
    const stored = await this.read('generated');
    let current: ServedCertificate | null = null;
    if (stored) {
      try {
        current = describeCertificate(stored.certPem, stored.keyPem, 'generated');
      } catch {
        current = null; // damaged: made anew below
      }
    }
    if (current && current.notAfter - now > RENEW_BEFORE_MS && missingAltNames(current, n).length === 0) return current;
    let keyPem = stored?.keyPem;
    if (keyPem) {
      try {
        await importKeyPair(keyPem);
      } catch {
        keyPem = undefined; // not a P-256 key we can use: a new one
      }
    }
    const made = await generateCertificate(n, now, keyPem);
    await this.write('generated', made.certPem, made.keyPem);
    return describeCertificate(made.certPem, made.keyPem, 'generated');
  }

  /** Stores the owner's certificate (already checked with checkSupplied). */
  async supply(certPem: string, keyPem: string): Promise<void> {
    await this.write('supplied', certPem, keyPem);
  }

  /** Goes back to the generated certificate. */
  async forgetSupplied(): Promise<void> {
    await rm(this.path('supplied', 'cert'), { force: true });
    await rm(this.path('supplied', 'key'), { force: true });
  }

  /** Whether the owner's certificate is the one served (sync: a start-up check). */
  hasSupplied(): boolean {
    return existsSync(this.path('supplied', 'cert'));
  }

  private async read(source: CertificateSource): Promise<{ certPem: string; keyPem: string } | null> {
    try {
      const [certPem, keyPem] = await Promise.all([readFile(this.path(source, 'cert'), 'utf8'), readFile(this.path(source, 'key'), 'utf8')]);
      return { certPem, keyPem };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  /** Key first, each through a 0600 temporary file renamed into place: never a readable or half-written key. */
  private async write(source: CertificateSource, certPem: string, keyPem: string): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
    for (const [what, text] of [['key', keyPem], ['cert', certPem]] as const) {
      const target = this.path(source, what);
      const tmp = `${target}.${process.pid}.tmp`;
      await writeFile(tmp, text, { mode: 0o600 });
      await chmod(tmp, 0o600);
      await rename(tmp, target);
    }
  }
}
