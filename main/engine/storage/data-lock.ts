/**
 * One engine per data folder: two recorders writing the same index and files
 * would corrupt both. The lock file holds the owner's pid; a lock left by a
 * process that no longer exists (a crash, a SIGKILL) is taken over.
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DataLock {
  release(): void;
}

/** Whether a process with this pid exists (EPERM: it does, and is somebody else's). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function acquireDataLock(dataDir: string): DataLock {
  const file = join(dataDir, 'engine.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      return {
        release() {
          try {
            if (readFileSync(file, 'utf8') === String(process.pid)) unlinkSync(file);
          } catch {
            // already gone
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(file, 'utf8'));
      if (owner && owner !== process.pid && pidAlive(owner)) {
        throw new Error(`another Keepwatch engine (pid ${owner}) is already using ${dataDir}`);
      }
      unlinkSync(file); // stale: its owner is gone
    }
  }
  throw new Error(`could not lock ${dataDir}`);
}
