/**
 * Finds the ffmpeg binary: a configured path, then the copy bundled with the
 * packaged app (resources/ffmpeg/<platform>-<arch>/), then PATH.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export class FfmpegNotFoundError extends Error {
  override name = 'FfmpegNotFoundError';
}

const INSTALL_HINT =
  'Keepwatch needs ffmpeg to record. Install it (Debian/Ubuntu: "sudo apt-get install ffmpeg"; macOS: "brew install ffmpeg"; ' +
  'Windows: put ffmpeg.exe on PATH), or pass its location with --ffmpeg /path/to/ffmpeg.';

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function locateBinary(
  name: 'ffmpeg' | 'ffprobe',
  opts: { configured?: string | null; resourcesDir?: string | null; env?: NodeJS.ProcessEnv } = {},
): string {
  const exe = process.platform === 'win32' ? `${name}.exe` : name;
  if (opts.configured) {
    if (isExecutable(opts.configured)) return opts.configured;
    throw new FfmpegNotFoundError(`The configured ${name} (${opts.configured}) does not exist or is not executable. ${INSTALL_HINT}`);
  }
  if (opts.resourcesDir) {
    const bundled = join(opts.resourcesDir, 'ffmpeg', `${process.platform}-${process.arch}`, exe);
    if (existsSync(bundled) && isExecutable(bundled)) return bundled;
  }
  const env = opts.env ?? process.env;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, exe);
    if (isExecutable(candidate)) return candidate;
  }
  throw new FfmpegNotFoundError(`${name} was not found. ${INSTALL_HINT}`);
}
