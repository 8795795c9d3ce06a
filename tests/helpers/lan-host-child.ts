/**
 * Runs inside a network namespace of its own (tests/security/lan-host.test.ts)
 * where loopback also carries a documentation address, 192.0.2.10, standing
 * in for the machine's LAN card. Starts Keepwatch on every interface and asks
 * it with one Host header after another, over the "LAN" address and over
 * loopback. Prints one JSON line: the answers.
 */
import { request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHeadless } from '../../main/headless.ts';

const LAN = '192.0.2.10';
const app = await startHeadless({
  dataDir: mkdtempSync(join(tmpdir(), 'kw-lan-')),
  host: '0.0.0.0',
  port: 0,
  staticDir: null,
  allowedHosts: ['nvr.home'],
  logSink: { write() {} },
});

function ask(address: string, host: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: address, port: app.port, path: '/api/health', headers: { Host: host, Authorization: `Bearer ${app.token}`, ...headers } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

function askUpgrade(address: string, host: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({
      host: address,
      port: app.port,
      path: '/api/live/1/main',
      headers: { Host: host, Authorization: `Bearer ${app.token}`, Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' },
    });
    req.on('response', (res) => resolve(res.statusCode ?? 0));
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(101);
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

const p = app.port;
const results = {
  lanByAddress: await ask(LAN, `${LAN}:${p}`),
  lanByConfiguredName: await ask(LAN, `nvr.home:${p}`),
  lanEvil: await ask(LAN, `evil.com:${p}`),
  lanSpoofedLoopback: await ask(LAN, `127.0.0.1:${p}`),
  lanSpoofedLocalhost: await ask(LAN, `localhost:${p}`),
  lanWrongPort: await ask(LAN, `${LAN}:${p + 1}`),
  loopback: await ask('127.0.0.1', `127.0.0.1:${p}`),
  loopbackNamingLan: await ask('127.0.0.1', `${LAN}:${p}`),
  lanCrossOriginWrite: await new Promise<number>((resolve) => {
    const req = request({ host: LAN, port: p, method: 'PATCH', path: '/api/settings', headers: { Host: `${LAN}:${p}`, Origin: 'http://evil.com', Authorization: `Bearer ${app.token}`, 'Content-Type': 'application/json' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.end('{}');
  }),
  upgradeEvil: await askUpgrade(LAN, `evil.com:${p}`),
  upgradeLan: await askUpgrade(LAN, `${LAN}:${p}`),
};
process.stdout.write(JSON.stringify(results) + '\n');
await app.stop();
process.exit(0);
