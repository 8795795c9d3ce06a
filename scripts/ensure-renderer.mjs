// Builds the renderer into out/renderer when it is missing or older than its
// sources, so `npm run serve`, `npm run demo` and `npm test` always serve the
// current UI without a separate build step.
import { existsSync, statSync } from 'node:fs';
import { newestMtime } from './newest-mtime.mjs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const built = join(root, 'out/renderer/index.html');


const sourcesTime = Math.max(newestMtime(join(root, 'renderer')), newestMtime(join(root, 'preload')));
if (!existsSync(built) || statSync(built).mtimeMs < sourcesTime) {
  process.stdout.write('building the renderer (out/renderer)...\n');
  const r = spawnSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', join(root, 'renderer/vite.config.ts'), '--logLevel', 'warn'], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
