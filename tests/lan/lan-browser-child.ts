/**
 * Runs inside a network namespace of its own (tests/lan/lan-browser.test.ts)
 * where loopback also carries 192.0.2.10, standing in for the machine's LAN
 * card. Starts Keepwatch headless with LAN viewing on that address, opens
 * Chromium trusting the certificate by its public-key hash only, and asks
 * over HTTPS, plain HTTP and raw TLS. Prints one JSON line: what it saw.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startHeadless, DEFAULT_STATIC_DIR } from '../../main/headless.ts';
import { CHROMIUM_ARGS } from '../live/browser-fixture.ts';

const LAN = '192.0.2.10';
declare const window: { isSecureContext: boolean; location: { protocol: string } };
declare const document: { querySelector(s: string): unknown };

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, LAN, r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

type Answer = { status: number; headers: Record<string, string | string[] | undefined>; body: string };
function ask(kind: 'http' | 'https', port: number, path: string, headers: Record<string, string>, address = LAN, method = 'GET'): Promise<Answer | string> {
  return new Promise((resolve) => {
    const send = kind === 'https' ? httpsRequest : httpRequest;
    // Certificate trust is checked separately (tls.connect below, and Chromium); here only the HTTP answers matter.
    const req = send({ host: address, port, path, method, headers, agent: false, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    req.end(method === 'GET' ? undefined : '{}');
  });
}

const work = mkdtempSync(join(tmpdir(), 'kw-lan-tls-'));
const [httpsPort, httpPort] = [await freePort(), await freePort()];
const app = await startHeadless({
  dataDir: join(work, 'data'),
  port: 0,
  staticDir: DEFAULT_STATIC_DIR,
  logSink: { write() {} },
  lan: { enabled: true, addresses: [LAN], httpsPort, httpPort },
});
const out: Record<string, unknown> = {};
try {
  const served = app.lan.certificate()!;
  const bearer = { Authorization: `Bearer ${app.token}` };
  const origin = `https://${LAN}:${httpsPort}`;

  // The API over HTTPS: the state it reports, with HSTS.
  const lanAnswer = await ask('https', httpsPort, '/api/lan', { Host: `${LAN}:${httpsPort}`, ...bearer });
  out.apiLan = typeof lanAnswer === 'string' ? lanAnswer : { status: lanAnswer.status, hsts: lanAnswer.headers['strict-transport-security'], body: JSON.parse(lanAnswer.body) };
  out.spki = served.spkiSha256;

  // The certificate presented, verified by ordinary TLS rules with itself as the only CA.
  out.tls = await new Promise((resolve) => {
    const socket = tlsConnect({ host: LAN, port: httpsPort, ca: served.certPem }, () => {
      const peer = socket.getPeerX509Certificate()!;
      resolve({ authorized: socket.authorized, protocol: socket.getProtocol(), fingerprint: peer.fingerprint256, checkIP: peer.checkIP(LAN) ?? null, subject: peer.subject, subjectAltName: peer.subjectAltName });
      socket.end();
    });
    socket.on('error', (err) => resolve(`error: ${err.message}`));
  });
  out.tlsOld = await new Promise((resolve) => {
    const socket = tlsConnect({ host: LAN, port: httpsPort, ca: served.certPem, maxVersion: 'TLSv1.1', minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' }, () => {
      resolve(`connected with ${socket.getProtocol()}`);
      socket.end();
    });
    socket.on('error', () => resolve('refused'));
  });

  // Plain HTTP redirects; foreign and spoofed hosts are refused on both ports.
  const redirect = await ask('http', httpPort, '/x?y=1', { Host: `${LAN}:${httpPort}` });
  out.redirect = typeof redirect === 'string' ? redirect : { status: redirect.status, location: redirect.headers.location };
  const status = (a: Answer | string) => (typeof a === 'string' ? a : a.status);
  out.httpsEvil = status(await ask('https', httpsPort, '/api/health', { Host: `evil.example:${httpsPort}`, ...bearer }));
  out.httpEvil = status(await ask('http', httpPort, '/x', { Host: `evil.example:${httpPort}` }));
  out.httpsSpoofedLoopback = status(await ask('https', httpsPort, '/api/health', { Host: `127.0.0.1:${httpsPort}`, ...bearer }));
  const write = (origin: string) => ask('https', httpsPort, '/api/settings', { Host: `${LAN}:${httpsPort}`, Origin: origin, ...bearer, 'Content-Type': 'application/json' }, LAN, 'PATCH');
  out.httpsCrossOriginWrite = status(await write('https://evil.example'));
  out.httpsPlainOriginWrite = status(await write(`http://${LAN}:${httpsPort}`)); // the http:// form of our own address is another origin
  out.httpsSameOriginWrite = status(await write(origin));
  // Only the chosen address: nothing on loopback at the LAN ports.
  out.loopbackHttps = status(await ask('https', httpsPort, '/', { Host: `127.0.0.1:${httpsPort}` }, '127.0.0.1'));

  // Chromium, trusting the certificate only through its public-key hash.
  const context = await chromium.launchPersistentContext(join(work, 'chromium'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [...CHROMIUM_ARGS, `--ignore-certificate-errors-spki-list=${served.spkiSha256}`],
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const response = await page.goto(`${origin}/?token=${app.token}`, { waitUntil: 'load' });
    await page.waitForSelector('nav[aria-label="Main"]', { timeout: 30_000 });
    const security = await response?.securityDetails();
    out.page = {
      url: page.url(),
      status: response?.status(),
      protocol: security?.protocol ?? null,
      secureContext: await page.evaluate(() => window.isSecureContext),
      nav: await page.evaluate(() => document.querySelector('nav[aria-label="Main"]') !== null),
      errors: pageErrors,
    };
    // The page's own calls: a read with HSTS, and a write (same origin over HTTPS).
    out.pageApi = await page.evaluate(async () => {
      const read = await fetch('/api/lan');
      const body = (await read.json()) as { certificate: { fingerprint: string } | null };
      const write = await fetch('/api/settings', { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: '{}' });
      return { readStatus: read.status, hsts: read.headers.get('strict-transport-security'), fingerprint: body.certificate?.fingerprint ?? null, writeStatus: write.status };
    });
    // Typing the plain address lands on HTTPS.
    await page.goto(`http://${LAN}:${httpPort}/`, { waitUntil: 'load' });
    out.pageFromHttp = page.url();
  } finally {
    await context.close();
  }
} catch (err) {
  out.error = (err as Error).stack ?? String(err);
} finally {
  await app.stop();
  rmSync(work, { recursive: true, force: true });
}
out.ports = { httpsPort, httpPort };
process.stdout.write(JSON.stringify(out) + '\n');
process.exit(0);
