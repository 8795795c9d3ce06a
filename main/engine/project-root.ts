/**
 * The project's (or installed app's) root folder: the nearest folder above
 * this module that holds Keepwatch's package.json. The same answer from the
 * TypeScript sources (main/engine/) and from the built command
 * (out/cli/keepwatch.mjs), which live at different depths.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function isKeepwatchRoot(dir: string): boolean {
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name === 'keepwatch';
  } catch {
    return false;
  }
}

let cached: string | null = null;

export function projectRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && isKeepwatchRoot(dir)) return (cached = dir);
    const up = dirname(dir);
    if (up === dir) return (cached = process.cwd());
    dir = up;
  }
}
