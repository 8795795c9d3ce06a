/**
 * The LAN certificate (main/server/lan/certificate.ts): what Keepwatch
 * generates, when it regenerates, and what it accepts from the owner. Every
 * property is read back with node:crypto or openssl, not with the library
 * that made it.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate, createHash, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CertificateError, CertificateStore, checkSupplied, describeCertificate, generateCertificate, machineNames, missingAltNames } from '../../main/server/lan/certificate.ts';

const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);
const NAMES = { hostname: 'Shop-NVR', addresses: ['192.0.2.10', '2001:db8::7'], names: ['nvr.home.arpa'] };
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'kw-cert-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** An RSA certificate made by openssl: an owner's certificate that Keepwatch did not make. */
function opensslCertificate(dir: string, san: string): { certPem: string; keyPem: string } {
  const key = join(dir, 'o-key.pem');
  const cert = join(dir, 'o-cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '30', '-subj', '/CN=owner', '-addext', `subjectAltName=${san}`], { stdio: 'ignore' });
  return { certPem: readFileSync(cert, 'utf8'), keyPem: readFileSync(key, 'utf8') };
}

describe('generated certificate', () => {
  it('is ECDSA P-256, self-signed, 10 years, serverAuth, named for the machine and what is served', async () => {
    const dir = tempDir();
    const served = await new CertificateStore(dir).ensure(NAMES, NOW);
    const cert = new X509Certificate(served.certPem);
    expect(served.source).toBe('generated');
    expect(cert.publicKey.asymmetricKeyType).toBe('ec');
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(cert.subject).toBe('CN=Keepwatch Shop-NVR');
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // extended key usage: serverAuth only
    const from = new Date(cert.validFrom);
    const to = new Date(cert.validTo);
    expect(from.getTime()).toBeLessThanOrEqual(NOW);
    expect(to.getUTCFullYear() - from.getUTCFullYear()).toBe(10);
    expect([to.getUTCMonth(), to.getUTCDate(), to.getUTCHours()]).toEqual([from.getUTCMonth(), from.getUTCDate(), from.getUTCHours()]);
    expect(served.notAfter).toBe(to.getTime());
    // SANs: host name, its .local name, the served addresses and the configured names.
    expect(served.subjectAltNames.sort()).toEqual(['192.0.2.10', '2001:db8::7', 'nvr.home.arpa', 'shop-nvr', 'shop-nvr.local'].sort());
    for (const host of ['shop-nvr', 'shop-nvr.local', 'nvr.home.arpa']) expect(cert.checkHost(host, { subject: 'never' })).toBe(host);
    for (const ip of ['192.0.2.10', '2001:db8::7']) expect(cert.checkIP(ip)).toBe(ip);
    expect(cert.checkHost('evil.example', { subject: 'never' })).toBeUndefined();
    expect(cert.checkIP('192.0.2.11')).toBeUndefined();
    // openssl reads it the same way.
    const text = execFileSync('openssl', ['x509', '-noout', '-text'], { input: served.certPem, encoding: 'utf8' });
    expect(text).toContain('ecdsa-with-SHA256');
    expect(text).toContain('TLS Web Server Authentication');
    expect(text).toMatch(/DNS:shop-nvr, DNS:shop-nvr\.local, DNS:nvr\.home\.arpa, IP Address:192\.0\.2\.10, IP Address:2001:DB8:0:0:0:0:0:7/);
  });

  it('reports the SHA-256 fingerprint of the DER as AB:CD:… and the base64 SHA-256 of the public key', async () => {
    const dir = tempDir();
    const served = await new CertificateStore(dir).ensure(NAMES, NOW);
    expect(served.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const der = new X509Certificate(served.certPem).raw;
    const expected = createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)!.join(':');
    expect(served.fingerprint).toBe(expected);
    const spki = createPublicKey(readFileSync(join(dir, 'tls/key.pem'), 'utf8')).export({ format: 'der', type: 'spki' });
    expect(served.spkiSha256).toBe(createHash('sha256').update(spki).digest('base64'));
    expect(Buffer.from(served.spkiSha256, 'base64')).toHaveLength(32);
  });

  it('keeps the key private: DATA/tls is 0700, key.pem and cert.pem 0600', async () => {
    const dir = tempDir();
    await new CertificateStore(dir).ensure(NAMES, NOW);
    expect(statSync(join(dir, 'tls')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'tls/key.pem')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'tls/cert.pem')).mode & 0o777).toBe(0o600);
  });

  it('is kept while it covers what is served; remade with the same key when an address or name is new', async () => {
    const dir = tempDir();
    const store = new CertificateStore(dir);
    const first = await store.ensure(NAMES, NOW);
    const again = await store.ensure({ ...NAMES, addresses: ['192.0.2.10'] }, NOW + 1000); // a subset: still valid
    expect(again.fingerprint).toBe(first.fingerprint);
    const moved = await store.ensure({ ...NAMES, addresses: ['192.0.2.10', '198.51.100.4'], names: ['nvr.home.arpa', 'cams.home.arpa'] }, NOW + 2000);
    expect(moved.fingerprint).not.toBe(first.fingerprint);
    expect(moved.subjectAltNames).toEqual(expect.arrayContaining(['198.51.100.4', 'cams.home.arpa']));
    // Same key: a browser told to trust the public key keeps trusting it.
    expect(moved.spkiSha256).toBe(first.spkiSha256);
    expect(readFileSync(join(dir, 'tls/cert.pem'), 'utf8')).toBe(moved.certPem);
    expect(missingAltNames(moved, { hostname: 'shop-nvr', addresses: ['198.51.100.4'], names: [] })).toEqual([]);
  });

  it('is remade when near its end or damaged', async () => {
    const dir = tempDir();
    const store = new CertificateStore(dir);
    const first = await store.ensure(NAMES, NOW);
    const late = await store.ensure(NAMES, first.notAfter - 24 * 3600_000);
    expect(late.fingerprint).not.toBe(first.fingerprint);
    expect(late.notAfter).toBeGreaterThan(first.notAfter);
    writeFileSync(join(dir, 'tls/cert.pem'), 'garbage');
    const repaired = await store.ensure(NAMES, NOW);
    expect(repaired.certPem).toContain('BEGIN CERTIFICATE');
    expect(repaired.spkiSha256).toBe(first.spkiSha256);
  });

  it('machine names: host name and <name>.local, only when valid DNS names', () => {
    expect(machineNames('Box')).toEqual(['box', 'box.local']);
    expect(machineNames('box.example.net.')).toEqual(['box.example.net', 'box.local']);
    expect(machineNames('box.local')).toEqual(['box.local']);
    expect(machineNames('localhost')).toEqual([]);
    expect(machineNames('my box')).toEqual([]);
  });
});

describe('a certificate the owner supplies', () => {
  it('is accepted when the key is its key, and served instead of the generated one, never regenerated', async () => {
    const dir = tempDir();
    const own = opensslCertificate(dir, 'DNS:nvr.home.arpa');
    const checked = checkSupplied(own.certPem, own.keyPem, Date.now());
    expect(checked.source).toBe('supplied');
    expect(checked.subjectAltNames).toEqual(['nvr.home.arpa']);
    const store = new CertificateStore(dir);
    await store.ensure(NAMES, NOW);
    await store.supply(own.certPem, own.keyPem);
    expect(store.hasSupplied()).toBe(true);
    expect(statSync(join(dir, 'tls/supplied-key.pem')).mode & 0o777).toBe(0o600);
    const served = await store.ensure(NAMES, NOW);
    expect(served.source).toBe('supplied');
    expect(served.fingerprint).toBe(checked.fingerprint);
    // It does not name the addresses: reported, not replaced.
    expect(missingAltNames(served, NAMES)).toEqual(['shop-nvr', 'shop-nvr.local', '192.0.2.10', '2001:db8::7']);
    await store.forgetSupplied();
    expect((await store.ensure(NAMES, NOW)).source).toBe('generated');
  });

  it('is refused with a clear error when the key is not its key', async () => {
    const dir = tempDir();
    const a = await generateCertificate(NAMES, NOW);
    const b = await generateCertificate(NAMES, NOW);
    expect(() => checkSupplied(a.certPem, b.keyPem, NOW)).toThrow(CertificateError);
    expect(() => checkSupplied(a.certPem, b.keyPem, NOW)).toThrow('the private key does not belong to the certificate');
    const rsa = opensslCertificate(dir, 'DNS:x.home.arpa');
    expect(() => checkSupplied(rsa.certPem, a.keyPem, NOW)).toThrow('does not belong');
  });

  it('is refused with a clear error when unreadable or expired', async () => {
    const a = await generateCertificate(NAMES, NOW);
    expect(() => describeCertificate('not a certificate', a.keyPem, 'supplied')).toThrow(/the certificate is not a readable PEM X\.509 certificate/);
    expect(() => describeCertificate(a.certPem, 'not a key', 'supplied')).toThrow(/the private key is not a readable, unencrypted PEM key/);
    const old = await generateCertificate(NAMES, Date.UTC(2000, 0, 1));
    expect(() => checkSupplied(old.certPem, old.keyPem, NOW)).toThrow(/the certificate expired on 2009-12-31T23:00/);
  });
});
