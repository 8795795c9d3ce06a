/**
 * The pure rules of the transport's guards: which Host and Origin a request
 * may name (DNS rebinding, spoofed loopback from the LAN), the strict
 * request-target parser, and the command lines that make ffmpeg die with the
 * engine on each OS.
 */
import { describe, expect, it } from 'vitest';
import { hostAllowed, originAllowed, parseHostHeader } from '../../main/server/host-check.ts';
import { parseRequestTarget } from '../../main/server/request-target.ts';
import { defaultParentDeath, stdioFor, wrapCommand } from '../../main/engine/ingest/process-runner.ts';
import { UI_CSP } from '../../main/server/http-server.ts';

const policy = { port: 8750, allowedNames: ['nvr.home'] };

describe('Host', () => {
  it('parses only well-formed Host headers', () => {
    expect(parseHostHeader('127.0.0.1:8750')).toEqual({ hostname: '127.0.0.1', port: 8750 });
    expect(parseHostHeader('[::1]:8750')).toEqual({ hostname: '::1', port: 8750 });
    expect(parseHostHeader('NVR.Home:8750')).toEqual({ hostname: 'nvr.home', port: 8750 });
    for (const bad of [undefined, '', '[', '[::1', '//[x', 'a b', 'user@host:1', 'host/path', '127.1:8750', 'host:', 'h:99999', 'x'.repeat(300)]) {
      expect(parseHostHeader(bad), String(bad)).toBeNull();
    }
  });

  it('answers loopback names only on loopback, IP addresses only on the interface they name, other names only when configured', () => {
    expect(hostAllowed('127.0.0.1:8750', '127.0.0.1', policy)).toBe(true);
    expect(hostAllowed('localhost:8750', '::1', policy)).toBe(true);
    expect(hostAllowed('127.0.0.1:8750', '192.168.1.20', policy)).toBe(false); // spoofed from the LAN
    expect(hostAllowed('192.168.1.20:8750', '192.168.1.20', policy)).toBe(true);
    expect(hostAllowed('192.168.1.20:8750', '::ffff:192.168.1.20', policy)).toBe(true);
    expect(hostAllowed('192.168.1.21:8750', '192.168.1.20', policy)).toBe(false);
    expect(hostAllowed('nvr.home:8750', '192.168.1.20', policy)).toBe(true);
    expect(hostAllowed('evil.com:8750', '192.168.1.20', policy)).toBe(false);
    expect(hostAllowed('evil.com:8750', '127.0.0.1', policy)).toBe(false);
    expect(hostAllowed('127.0.0.1:8751', '127.0.0.1', policy)).toBe(false);
    expect(hostAllowed('127.0.0.1', '127.0.0.1', policy)).toBe(false); // port 80 implied
    expect(hostAllowed('127.0.0.1', '127.0.0.1', { ...policy, port: 80 })).toBe(true);
  });

  it('accepts an Origin only when it is this very server', () => {
    expect(originAllowed(undefined, '127.0.0.1:8750')).toBe(true);
    expect(originAllowed('http://127.0.0.1:8750', '127.0.0.1:8750')).toBe(true);
    expect(originAllowed('http://evil.com', '127.0.0.1:8750')).toBe(false);
    expect(originAllowed('null', '127.0.0.1:8750')).toBe(false);
    expect(originAllowed('http://127.0.0.1:8750', '[')).toBe(false);
  });

  it('lets the UI connect to its own origin only', () => {
    expect(UI_CSP).toMatch(/connect-src 'self';/);
    expect(UI_CSP).not.toMatch(/ws:|wss:/);
  });
});

describe('request target', () => {
  it('takes the origin form only and never throws', () => {
    expect(parseRequestTarget('/api/status?x=1')).toMatchObject({ ok: true });
    for (const bad of [undefined, '', '*', '//[x', '//evil.com/x', 'http://evil/api/status', '/api/../x', '/a/./b', '/%2e%2e/x', 'api/status']) {
      expect(parseRequestTarget(bad).ok, String(bad)).toBe(false);
    }
  });
});

describe('ffmpeg dies with the engine', () => {
  it('picks the mechanism the OS offers', () => {
    expect(defaultParentDeath('win32')).toBe('job');
    expect(['watchdog', 'none']).toContain(defaultParentDeath('darwin'));
  });

  it('wraps the command without ever interpolating it into a shell string', () => {
    expect(wrapCommand('pdeathsig', 'ffmpeg', ['-i', 'x'])).toEqual({ file: '/usr/bin/setpriv', argv: ['--pdeathsig', 'KILL', '--', 'ffmpeg', '-i', 'x'] });
    const w = wrapCommand('watchdog', 'ffmpeg', ['-i', "'; rm -rf / #"]);
    expect(w.file).toBe('/bin/sh');
    expect(w.argv[0]).toBe('-c');
    expect(w.argv[1]).not.toContain('ffmpeg'); // the script is fixed text
    expect(w.argv.slice(2)).toEqual(['keepwatch-watchdog', 'ffmpeg', '-i', "'; rm -rf / #"]);
    expect(wrapCommand('job', 'ffmpeg', ['-i', 'x'])).toEqual({ file: 'ffmpeg', argv: ['-i', 'x'] });
  });

  it('gives the watchdog its own pipe, above the ones ffmpeg uses', () => {
    expect(stdioFor('watchdog', { extraPipes: 1, stdin: 'list' })).toEqual(['pipe', 'pipe', 'pipe', 'pipe', 'ignore', 'ignore', 'ignore', 'ignore', 'ignore', 'pipe']);
    expect(stdioFor('pdeathsig', { extraPipes: 1 })).toEqual(['ignore', 'pipe', 'pipe', 'pipe']);
  });
});
