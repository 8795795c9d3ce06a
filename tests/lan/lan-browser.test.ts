/**
 * Issue 11, test 4 — TLS on the LAN: Chromium opens Keepwatch at its LAN
 * HTTPS address with the generated certificate trusted by its public-key
 * hash only (`--ignore-certificate-errors-spki-list`), the UI loads and
 * calls the API (HSTS on every answer); plain HTTP is redirected to HTTPS;
 * a foreign Host is refused; the certificate presented names the address
 * and has the fingerprint the API reports.
 *
 * The LAN is a network namespace this test makes: loopback there also
 * carries 192.0.2.10 (a documentation address that routes nowhere). The
 * served UI is out/renderer (`node scripts/ensure-renderer.mjs`, run first).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = fileURLToPath(new URL('./lan-browser-child.ts', import.meta.url));
const LAN = '192.0.2.10';

describe('LAN viewing over TLS in Chromium', () => {
  it('serves the UI and API over HTTPS trusted by fingerprint, redirects HTTP, refuses foreign hosts', () => {
    expect(process.getuid?.(), 'this test makes a network namespace and needs root').toBe(0);
    const build = spawnSync(process.execPath, ['scripts/ensure-renderer.mjs'], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
    expect(build.status, build.stderr).toBe(0);
    const script = `ip link set lo up && ip addr add ${LAN}/32 dev lo && exec "${process.execPath}" --import tsx "${CHILD}"`;
    const run = spawnSync('unshare', ['-n', 'sh', '-c', script], { cwd: ROOT, encoding: 'utf8', timeout: 150_000 });
    expect(run.status, run.stderr).toBe(0);
    const seen = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    expect(seen.error).toBeUndefined();
    const { httpsPort, httpPort } = seen.ports as { httpsPort: number; httpPort: number };
    const origin = `https://${LAN}:${httpsPort}`;

    // The API over HTTPS reports LAN on, the URL to open and the certificate, with HSTS.
    expect(seen.apiLan.status).toBe(200);
    expect(seen.apiLan.hsts).toBe('max-age=31536000');
    const state = seen.apiLan.body;
    expect(state).toMatchObject({ enabled: true, addresses: [LAN], httpsPort, httpPort, urls: [`${origin}/`], problem: null });
    expect(state.certificate.source).toBe('generated');
    expect(state.certificate.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(state.certificate.subjectAltNames).toContain(LAN);

    // The certificate presented: valid for the address by Node's own TLS checks, the fingerprint the API reports.
    expect(seen.tls).toMatchObject({ authorized: true, checkIP: LAN, fingerprint: state.certificate.fingerprint });
    expect(seen.tls.subject).toMatch(/^CN=Keepwatch /);
    expect(seen.tls.subjectAltName).toContain(`IP Address:${LAN}`);
    expect(['TLSv1.2', 'TLSv1.3']).toContain(seen.tls.protocol);
    expect(seen.tlsOld).toBe('refused'); // nothing below TLS 1.2

    // Chromium: trusted through the SPKI hash alone, a secure context, the UI up, its API calls answered with HSTS.
    expect(seen.page).toMatchObject({ url: `${origin}/`, status: 200, secureContext: true, nav: true, errors: [] });
    expect(seen.page.protocol).toMatch(/^TLS 1\.[23]$/);
    expect(seen.pageApi).toEqual({ readStatus: 200, hsts: 'max-age=31536000', fingerprint: state.certificate.fingerprint, writeStatus: 200 });

    // Plain HTTP: redirected to HTTPS, path and query kept; the browser ends up there too.
    expect(seen.redirect).toEqual({ status: 308, location: `${origin}/x?y=1` });
    expect(seen.pageFromHttp).toBe(`${origin}/`);

    // Refused: a foreign Host on either port, a loopback Host from the LAN, a write from another origin.
    expect(seen.httpsEvil).toBe(403);
    expect(seen.httpEvil).toBe(403);
    expect(seen.httpsSpoofedLoopback).toBe(403);
    expect(seen.httpsCrossOriginWrite).toBe(403);
    expect(seen.httpsPlainOriginWrite).toBe(403);
    expect(seen.httpsSameOriginWrite).toBe(200);
    // Only the chosen address is served: nothing at the LAN port on loopback (never 0.0.0.0).
    expect(seen.loopbackHttps).toBe('ECONNREFUSED');
  }, 400_000);
});
