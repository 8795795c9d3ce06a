/**
 * `keepwatch <command> [options]` — the headless recorder as one command:
 *
 *   keepwatch serve --data DIR [--port 8750] [--host 127.0.0.1] [--allowed-host NAME] [--ffmpeg PATH]
 *                   [--lan [--lan-address A[,B]] [--lan-port 8443] [--lan-http-port 8080|off] [--lan-name NAME]]
 *   keepwatch demo [--data DIR] [--port N]
 *   keepwatch verify <export folder>
 *
 * Built into plain JavaScript (scripts/build-cli.mjs → out/cli/keepwatch.mjs,
 * the package's `bin`): one Node process, no TypeScript loader at run time.
 * `npm run serve`, `npm run demo` and `npm run verify` run exactly this.
 */
import { VERSION } from './engine/version.ts';

const COMMANDS: Record<string, () => Promise<unknown>> = {
  serve: () => import('./serve.ts'),
  demo: () => import('./demo.ts'),
  verify: () => import('./verify.ts'),
};

const USAGE = `usage: keepwatch <serve|demo|verify> [options]
  keepwatch serve --data DIR [--port 8750] [--host 127.0.0.1] [--allowed-host NAME[,NAME]] [--ffmpeg PATH]
                 [--lan [--lan-address A[,B]] [--lan-port 8443] [--lan-http-port 8080|off] [--lan-name NAME[,NAME]]]
  keepwatch demo [--data DIR] [--port N] [--ffmpeg PATH]
  keepwatch verify <export folder>
  keepwatch --version
`;

const command = process.argv[2];
if (command === '--version' || command === '-v') {
  process.stdout.write(`keepwatch ${VERSION}\n`);
} else if (!command || command === '--help' || command === '-h' || !(command in COMMANDS)) {
  process.stdout.write(USAGE);
  process.exitCode = command && command !== '--help' && command !== '-h' ? 2 : 0;
} else {
  // Each command reads its own options from argv[2...], as when it runs alone.
  process.argv.splice(2, 1);
  await COMMANDS[command]();
}
