// Builds the `keepwatch` command (main/cli.ts) into plain JavaScript:
// out/cli/keepwatch.mjs plus its chunks, and the schema migrations beside
// them. Native packages (better-sqlite3, onnxruntime-node) stay in
// node_modules. Skipped when the build is newer than every source, so
// `npm run serve` starts at once the second time.
import { cpSync, existsSync, rmSync, statSync } from 'node:fs';
import { newestMtime } from './newest-mtime.mjs';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const outDir = join(root, 'out/cli');
const entry = join(outDir, 'keepwatch.mjs');


const force = process.argv.includes('--force');
const sourcesTime = Math.max(newestMtime(join(root, 'main')), newestMtime(join(root, 'preload')), statSync(join(root, 'package.json')).mtimeMs);
if (!force && existsSync(entry) && statSync(entry).mtimeMs >= sourcesTime) process.exit(0);

process.stdout.write('building the keepwatch command (out/cli)...\n');
rmSync(outDir, { recursive: true, force: true });
await build({
  entryPoints: { keepwatch: join(root, 'main/cli.ts') },
  outdir: outDir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  external: ['better-sqlite3', 'onnxruntime-node', 'electron'],
  // CommonJS packages bundled into ESM still call require() for Node's own modules.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __kwRequire } from 'node:module'; const require = __kwRequire(import.meta.url);" },
  logLevel: 'warning',
});
cpSync(join(root, 'main/engine/storage/schema'), join(outDir, 'schema'), { recursive: true });
