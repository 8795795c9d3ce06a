/**
 * Resolves a recording, by id, to a file that is guaranteed to lie inside the
 * recordings folder after symlinks are resolved. Clients never send paths.
 */
import { realpathSync } from 'node:fs';
import { sep } from 'node:path';

export class MediaPathError extends Error {
  override name = 'MediaPathError';
}

/** True when `candidate` is `root` itself or below it (both already resolved). */
export function isPathInside(candidate: string, root: string): boolean {
  const r = root.endsWith(sep) ? root : root + sep;
  return candidate.startsWith(r);
}

/** realpath both, then check containment: a symlink pointing out of the folder is refused. */
export function containedRealPath(file: string, root: string): string {
  let real: string;
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
    real = realpathSync(file);
  } catch {
    throw new MediaPathError('recording file is missing');
  }
  if (!isPathInside(real, realRoot)) throw new MediaPathError('recording file lies outside the recordings folder');
  return real;
}
