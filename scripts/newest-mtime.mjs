// The newest modification time (ms) of any file below a folder: the build
// scripts rebuild only when a source is newer than what they built.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function newestMtime(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}
