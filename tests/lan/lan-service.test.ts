/**
 * LanService (main/server/lan/lan-service.ts) with a stand-in transport:
 * off by default, serves HTTPS only on the chosen addresses with the
 * certificate it reports, redirects plain HTTP, stores its choice (0600),
 * refuses bad input without changing anything, and turns a taken port or a
 * vanished address into `problem` instead of a crash.
 *
 * Opens sockets on loopback only (run it in a namespace: `unshare -n`).
 */
import { request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { Agent, request as httpsRequest, type Server as TlsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { X509Certificate, createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LanService, type LanTransport } from '../../main/server/lan/lan-service.ts';
import { ApiFailure } from '../../main/engine/errors.ts';
import type { LanInterface } from '../../preload/contract/lan.ts';
import { generateCertificate } from '../../main/server/lan/certificate.ts';

const silent = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };
const LO: LanInterface = { name: 'lo', address: '127.0.0.1', family: 'IPv4' };
const GONE: LanInterface = { name: 'eth9', address: '192.0.2.77', family: 'IPv4' }; // listed, but not on this machine
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function rig(interfaces: LanInterface[] = [LO], dataDir = mkdtempSync(join(tmpdir(), 'kw-lansvc-'))) {
  const lanHosts: string[][] = [];
  const transport: LanTransport = {
    attach(server: TlsServer) {
      server.on('request', async (req: IncomingMessage, res) => {
        // A change made over the LAN connection itself (the Settings page opened from another device).
        if (req.url === '/rename') await lan.update({ names: ['renamed.home.arpa'] });
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ host: req.headers.host, encrypted: (req.socket as { encrypted?: boolean }).encrypted === true }));
      });
    },
    setLanHosts: (names) => lanHosts.push(names),
  };
  const lan = new LanService({ dataDir, transport, log: silent, interfaces: () => interfaces, hostname: () => 'nvr-box' });
  cleanups.push(() => lan.stop());
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  return { lan, dataDir, lanHosts };
}

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

function getHttps(port: number, ca: string, host = `127.0.0.1:${port}`, path = '/x', agent: Agent | false = false): Promise<{ status: number; body: string; fingerprint: string; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, ca, headers: { Host: host }, agent }, (res) => {
      // Read before the end: a kept-alive socket goes back to its agent then.
      const fingerprint = (res.socket as import('node:tls').TLSSocket).getPeerX509Certificate()?.fingerprint256 ?? '';
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, fingerprint, reused: req.reusedSocket }));
    });
    req.on('error', reject);
    req.end();
  });
}

function getHttp(port: number, path: string, host: string): Promise<{ status: number; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { Host: host }, agent: false }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, location: res.headers.location });
    });
    req.on('error', reject);
    req.end();
  });
}

const refused = (port: number) =>
  new Promise<string>((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      res.resume();
      resolve(`answered ${res.statusCode}`);
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    req.end();
  });

describe('LanService', () => {
  it('is off by default: nothing served, no certificate, the interfaces listed', async () => {
    const { lan } = rig();
    const state = await lan.start();
    expect(state).toMatchObject({ enabled: false, addresses: [], urls: [], certificate: null, problem: null, httpsPort: 8443, httpPort: 8080 });
    expect(state.available).toEqual([LO]);
  });

  it('serves HTTPS on the chosen address with the certificate it reports, and redirects plain HTTP', async () => {
    const { lan, dataDir, lanHosts } = rig();
    const [httpsPort, httpPort] = [await freePort(), await freePort()];
    const state = await lan.update({ enabled: true, addresses: ['127.0.0.1'], httpsPort, httpPort, names: ['NVR.home.arpa'] });
    expect(state.problem).toBeNull();
    expect(state.urls).toEqual([`https://127.0.0.1:${httpsPort}/`, `https://nvr.home.arpa:${httpsPort}/`]);
    expect(state.names).toEqual(['nvr.home.arpa']);
    expect(state.certificate?.source).toBe('generated');
    expect(state.certificate?.subjectAltNames).toEqual(expect.arrayContaining(['127.0.0.1', 'nvr.home.arpa', 'nvr-box', 'nvr-box.local']));
    expect(lanHosts.at(-1)?.sort()).toEqual(['nvr-box', 'nvr-box.local', 'nvr.home.arpa']);
    // Verified against the certificate as a CA: valid for the address by ordinary TLS rules.
    const cert = lan.certificate()!;
    const answer = await getHttps(httpsPort, cert.certPem);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ host: `127.0.0.1:${httpsPort}`, encrypted: true });
    expect(answer.fingerprint).toBe(state.certificate?.fingerprint);
    // Plain HTTP: 308 to the same host over HTTPS, path and query kept; a foreign Host is refused, not redirected.
    expect(await getHttp(httpPort, '/api/health?a=1', `127.0.0.1:${httpPort}`)).toEqual({ status: 308, location: `https://127.0.0.1:${httpsPort}/api/health?a=1` });
    expect(await getHttp(httpPort, '/', `nvr.home.arpa:${httpPort}`)).toEqual({ status: 308, location: `https://nvr.home.arpa:${httpsPort}/` });
    expect((await getHttp(httpPort, '/', `evil.example:${httpPort}`)).status).toBe(403);
    expect((await getHttp(httpPort, '/', `127.0.0.1:${httpsPort}`)).status).toBe(403); // wrong port in Host
    // Stored, private, and served again by the next start.
    expect(statSync(join(dataDir, 'lan.json')).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(dataDir, 'lan.json'), 'utf8'))).toEqual({ enabled: true, addresses: ['127.0.0.1'], names: ['nvr.home.arpa'], httpsPort, httpPort });
    await lan.stop();
    expect(await refused(httpsPort)).toBe('ECONNREFUSED');
    const next = rig([LO], dataDir).lan;
    const restarted = await next.start();
    expect(restarted.certificate?.fingerprint).toBe(state.certificate?.fingerprint);
    expect((await getHttps(httpsPort, cert.certPem)).status).toBe(200);
    // Off: servers closed, hosts withdrawn.
    const off = await next.update({ enabled: false });
    expect(off.urls).toEqual([]);
    expect(await refused(httpsPort)).toBe('ECONNREFUSED');
    expect(await refused(httpPort)).toBe('ECONNREFUSED');
  });

  it('a change that keeps the address and port keeps serving, and answers the request that made it', async () => {
    const { lan } = rig();
    const httpsPort = await freePort();
    const first = await lan.update({ enabled: true, addresses: ['127.0.0.1'], httpsPort, httpPort: null });
    const firstCert = lan.certificate()!.certPem;
    // The request that renames is answered over its own connection, with the certificate it started with.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(() => agent.destroy());
    const renamed = await getHttps(httpsPort, firstCert, undefined, '/rename', agent);
    expect(renamed.status).toBe(200);
    expect(renamed.fingerprint).toBe(first.certificate?.fingerprint);
    // The new name is in a new certificate (same key), which new connections get.
    const now = lan.state();
    expect(now.certificate?.subjectAltNames).toContain('renamed.home.arpa');
    expect(now.certificate?.fingerprint).not.toBe(first.certificate?.fingerprint);
    const spki = (pem: string) => createHash('sha256').update(new X509Certificate(pem).publicKey.export({ format: 'der', type: 'spki' })).digest('base64');
    expect(spki(lan.certificate()!.certPem)).toBe(spki(firstCert));
    expect((await getHttps(httpsPort, lan.certificate()!.certPem)).fingerprint).toBe(now.certificate?.fingerprint);
    // The kept-alive connection is still open and served.
    expect(await getHttps(httpsPort, firstCert, undefined, '/x', agent)).toMatchObject({ status: 200, reused: true });
  });

  it('refuses bad input with invalid_input and changes nothing', async () => {
    const { lan, dataDir } = rig();
    const bad = async (input: Parameters<LanService['update']>[0], message: RegExp) => {
      const err = await lan.update(input).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiFailure);
      expect((err as ApiFailure).code).toBe('invalid_input');
      expect((err as ApiFailure).message).toMatch(message);
    };
    await bad({ enabled: true, addresses: ['198.51.100.1'] }, /198\.51\.100\.1 is not an address of this machine \(available: 127\.0\.0\.1\)/);
    await bad({ enabled: true, addresses: ['not-an-ip'] }, /not an IP address: not-an-ip/);
    await bad({ enabled: true }, /choose at least one address/);
    await bad({ enabled: true, addresses: ['127.0.0.1'], httpsPort: 9000, httpPort: 9000 }, /must differ/);
    await bad({ httpsPort: 70000 }, /httpsPort/);
    const a = await generateCertificate({ hostname: 'a', addresses: [], names: [] }, Date.now());
    const b = await generateCertificate({ hostname: 'b', addresses: [], names: [] }, Date.now());
    await bad({ certificatePem: a.certPem, keyPem: b.keyPem }, /the private key does not belong to the certificate/);
    await bad({ certificatePem: a.certPem }, /give both certificatePem and keyPem/);
    expect(() => statSync(join(dataDir, 'lan.json'))).toThrow();
    expect(lan.state().enabled).toBe(false);
  });

  it('serves a supplied certificate, and goes back to the generated one', async () => {
    const { lan } = rig();
    const httpsPort = await freePort();
    const own = await generateCertificate({ hostname: 'owner', addresses: ['127.0.0.1'], names: [] }, Date.now());
    const supplied = await lan.update({ enabled: true, addresses: ['127.0.0.1'], httpsPort, httpPort: null, certificatePem: own.certPem, keyPem: own.keyPem });
    expect(supplied.certificate?.source).toBe('supplied');
    expect((await getHttps(httpsPort, own.certPem)).fingerprint).toBe(supplied.certificate?.fingerprint);
    expect(supplied.problem).toBeNull();
    const back = await lan.update({ certificatePem: null, keyPem: null });
    expect(back.certificate?.source).toBe('generated');
    expect(back.certificate?.fingerprint).not.toBe(supplied.certificate?.fingerprint);
    expect((await getHttps(httpsPort, lan.certificate()!.certPem)).status).toBe(200);
  });

  it('a taken port or a vanished address is a problem, not a crash; the rest is served', async () => {
    const { lan } = rig([LO, GONE]);
    const blocker: Server = (await import('node:http')).createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => blocker.close(() => r())));
    const taken = (blocker.address() as AddressInfo).port;
    const httpsPort = await freePort();
    const state = await lan.update({ enabled: true, addresses: ['127.0.0.1', '192.0.2.77'], httpsPort, httpPort: taken });
    expect(state.problem).toContain(`192.0.2.77:${httpsPort}: 192.0.2.77 is not an address of this machine now`);
    expect(state.problem).toContain(`127.0.0.1:${taken}: the port is already in use (HTTPS is served; only the redirect is missing)`);
    expect(state.urls).toEqual([`https://127.0.0.1:${httpsPort}/`]);
    expect((await getHttps(httpsPort, lan.certificate()!.certPem)).status).toBe(200);
  });
});
