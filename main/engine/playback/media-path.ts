/**
 * Path containment, pure: clients never send paths, and a file name from the
 * index or a static request is served only when it lies inside its root.
 * (The storage module checks recordings again after resolving symlinks.)
 */
import { sep } from 'node:path';

/** True when `candidate` lies below `root` (both already resolved). */
export function isPathInside(candidate: string, root: string): boolean {
  const r = root.endsWith(sep) ? root : root + sep;
  return candidate.startsWith(r);
}
