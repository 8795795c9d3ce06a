import { readFileSync } from 'node:fs';

/** Keepwatch's version, from package.json (written into export manifests and /api/health). */
export const VERSION: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return process.env.KEEPWATCH_VERSION ?? '0.0.0';
  }
})();
