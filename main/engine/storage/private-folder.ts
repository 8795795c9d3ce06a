/**
 * The data folder is private to the account that runs Keepwatch: folders
 * 0700, files 0600 — the database and its WAL, recordings, thumbnails,
 * exports, keys, tokens. Other local accounts cannot list or read footage.
 *
 * New files get these modes from the process umask (0077), which every
 * ffmpeg child inherits too, so files that ffmpeg writes are covered without
 * a chmod per segment. Folders and files left by an older version are
 * tightened at start: the top folders at once (which alone already locks
 * everything below them), then — only when one of them was open — every
 * entry below in the background, without holding up start-up or the event
 * loop. Once this version has run, the walk is not needed again.
 *
 * On Windows POSIX modes mean little; the data folder's ACL (inherited from
 * the user's profile folder, where the app keeps its data) does this job.
 */
import { chmodSync, existsSync, statSync } from 'node:fs';
import { chmod, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export const PRIVATE_UMASK = 0o077;
export const FOLDER_MODE = 0o700;
export const FILE_MODE = 0o600;

/** Makes every file and folder this process creates private from now on. */
export function usePrivateUmask(): void {
  if (process.platform === 'win32') return;
  process.umask(PRIVATE_UMASK);
}

/**
 * Tightens the given top folders now (synchronously, a handful of chmods).
 * Returns true when one was open: an older version made this folder, and
 * what is below it may be open too (since this version, nothing is).
 */
export function tightenTopFolders(folders: string[]): boolean {
  if (process.platform === 'win32') return false;
  let wasOpen = false;
  for (const dir of folders) {
    if (!existsSync(dir)) continue;
    const mode = statSync(dir).mode & 0o777;
    if (mode & 0o077) {
      chmodSync(dir, FOLDER_MODE);
      wasOpen = true;
    }
  }
  return wasOpen;
}

/**
 * Walks a folder and removes group/other access from everything below it.
 * Never follows symbolic links. Resolves with the number of entries changed.
 */
export async function tightenTree(root: string): Promise<number> {
  if (process.platform === 'win32') return 0;
  let changed = 0;
  const visit = async (path: string): Promise<void> => {
    let st;
    try {
      st = await lstat(path);
    } catch {
      return; // deleted meanwhile (retention)
    }
    if (st.isSymbolicLink()) return;
    if (st.mode & 0o077) {
      try {
        await chmod(path, st.isDirectory() ? FOLDER_MODE : FILE_MODE);
        changed++;
      } catch {
        // not ours to change (another owner): leave it, the folder above is private anyway
      }
    }
    if (!st.isDirectory()) return;
    let names: string[];
    try {
      names = await readdir(path);
    } catch {
      return;
    }
    for (const name of names) await visit(join(path, name));
  };
  await visit(root);
  return changed;
}
