/**
 * `npm run serve -- --data DIR --port N [--host 127.0.0.1] [--allowed-host NAME[,NAME]] [--ffmpeg PATH]
 *    [--lan [--lan-address A[,B]] [--lan-port 8443] [--lan-http-port 8080|off] [--lan-name NAME[,NAME]]]`
 * Runs Keepwatch headless: records every camera and serves the UI and API.
 * Beyond loopback, a browser may use the address of any interface served, or
 * a name given with --allowed-host (docs/security.md). `--lan` serves the
 * LAN over HTTPS instead (docs/lan.md); the choice is stored.
 */
import { resolve } from 'node:path';
import { parseFlags } from './cli-args.ts';
import { startHeadless, type HeadlessOptions } from './headless.ts';
import { lanInterfaces } from './server/lan/interfaces.ts';
import { loadLanSettings } from './server/lan/lan-settings.ts';

const list = (value: unknown): string[] | undefined =>
  value === undefined ? undefined : String(value).split(',').map((v) => v.trim()).filter(Boolean);

/** `--lan...` flags as a LAN update; without --lan-address and none stored, every IPv4 address of the machine. */
function lanOptions(flags: Record<string, string | number | boolean>, dataDir: string): HeadlessOptions['lan'] {
  if (!flags.lan) {
    const stray = ['lan-address', 'lan-port', 'lan-http-port', 'lan-name'].filter((f) => f in flags);
    if (stray.length) throw new Error(`--${stray[0]} needs --lan`);
    return undefined;
  }
  let addresses = list(flags['lan-address']);
  if (!addresses && loadLanSettings(dataDir, () => undefined).addresses.length === 0) {
    addresses = lanInterfaces().filter((i) => i.family === 'IPv4').map((i) => i.address);
    if (!addresses.length) throw new Error('--lan: this machine has no LAN address; give one with --lan-address');
  }
  const httpPort = flags['lan-http-port'];
  return {
    enabled: true,
    addresses,
    names: list(flags['lan-name']),
    httpsPort: flags['lan-port'] === undefined ? undefined : Number(flags['lan-port']),
    httpPort: httpPort === undefined ? undefined : httpPort === 'off' ? null : Number(httpPort),
  };
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), {
    data: 'string',
    port: 'number',
    host: 'string',
    'allowed-host': 'string',
    ffmpeg: 'string',
    help: 'boolean',
    lan: 'boolean',
    'lan-address': 'string',
    'lan-port': 'number',
    'lan-http-port': 'string',
    'lan-name': 'string',
  });
  if (flags.help || !flags.data) {
    process.stdout.write(
      'usage: npm run serve -- --data DIR [--port 8750] [--host 127.0.0.1] [--allowed-host NAME[,NAME...]] [--ffmpeg /path/to/ffmpeg]\n' +
        '         [--lan [--lan-address A[,B...]] [--lan-port 8443] [--lan-http-port 8080|off] [--lan-name NAME[,NAME...]]]\n',
    );
    process.exit(flags.help ? 0 : 2);
  }
  if (flags.host && flags.host !== '127.0.0.1' && flags.host !== 'localhost') {
    process.stdout.write(`warning: listening on ${flags.host}: anyone who can reach it and has the owner's token or an account can watch the cameras it may see; prefer --lan (HTTPS)\n`);
  }
  const app = await startHeadless({
    dataDir: String(flags.data),
    port: flags.port === undefined ? 8750 : Number(flags.port),
    host: flags.host ? String(flags.host) : '127.0.0.1',
    ffmpegPath: flags.ffmpeg ? String(flags.ffmpeg) : null,
    allowedHosts: flags['allowed-host'] ? String(flags['allowed-host']).split(',').map((h) => h.trim()).filter(Boolean) : [],
    lan: lanOptions(flags, resolve(String(flags.data))),
  });
  process.stdout.write(`Keepwatch is recording. Open ${app.url}\n  (that address signs you in as the owner; DATA/api-token is the owner's token for scripts)\n`);
  if (app.setupCode) {
    // Printed only here, on the owner's console: the one-time code guards the first-run page.
    process.stdout.write(
      `First run: the owner has no password yet. Open http://127.0.0.1:${app.port}/ (or a LAN address) to choose one,\n` +
        `  with this one-time setup code: ${app.setupCode}\n`,
    );
  }
  const lan = app.lan.state();
  const cert = app.lan.certificate();
  if (lan.enabled) {
    if (lan.urls.length) process.stdout.write(`On the LAN (HTTPS): ${lan.urls.join('  ')}\n`);
    if (cert) {
      process.stdout.write(`Certificate (${cert.source}) SHA-256 fingerprint — compare it with what the browser shows:\n  ${cert.fingerprint}\n`);
      process.stdout.write(`Public key (SPKI) SHA-256, base64: ${cert.spkiSha256}\n`);
    }
    if (lan.problem) process.stdout.write(`LAN problem: ${lan.problem}\n`);
  }
  const shutdown = async (signal: string) => {
    process.stdout.write(`${signal}: stopping (finishing open segments)...\n`);
    await app.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(`keepwatch: ${(err as Error).message}\n`);
  process.exit(1);
});
