/**
 * `npm run serve -- --data DIR --port N [--host 127.0.0.1] [--allowed-host NAME[,NAME]] [--ffmpeg PATH]`
 * Runs Keepwatch headless: records every camera and serves the UI and API.
 * Beyond loopback, a browser may use the address of any interface served, or
 * a name given with --allowed-host (docs/security.md).
 */
import { parseFlags } from './cli-args.ts';
import { startHeadless } from './headless.ts';

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), { data: 'string', port: 'number', host: 'string', 'allowed-host': 'string', ffmpeg: 'string', help: 'boolean' });
  if (flags.help || !flags.data) {
    process.stdout.write('usage: npm run serve -- --data DIR [--port 8750] [--host 127.0.0.1] [--allowed-host NAME[,NAME...]] [--ffmpeg /path/to/ffmpeg]\n');
    process.exit(flags.help ? 0 : 2);
  }
  if (flags.host && flags.host !== '127.0.0.1' && flags.host !== 'localhost') {
    process.stdout.write(`warning: listening on ${flags.host}: anyone who can reach it and has the token can watch your cameras\n`);
  }
  const app = await startHeadless({
    dataDir: String(flags.data),
    port: flags.port === undefined ? 8750 : Number(flags.port),
    host: flags.host ? String(flags.host) : '127.0.0.1',
    ffmpegPath: flags.ffmpeg ? String(flags.ffmpeg) : null,
    allowedHosts: flags['allowed-host'] ? String(flags['allowed-host']).split(',').map((h) => h.trim()).filter(Boolean) : [],
  });
  process.stdout.write(`Keepwatch is recording. Open ${app.url}\n`);
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
