import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from './project-root.ts';

/** Keepwatch's version, from package.json (written into export manifests and /api/health). */
export const VERSION: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return process.env.KEEPWATCH_VERSION ?? '0.0.0';
  }
})();
