/**
 * First run: the user chooses where recordings go, seeing how much room that
 * volume has. Native dialogs (no page to load before the engine runs); the
 * dialogs arrive as a parameter, the wording and the checks are pure.
 */
import { accessSync, constants, existsSync, statSync, statfsSync } from 'node:fs';
import { dirname, isAbsolute, parse, resolve } from 'node:path';
import type { Dialog } from 'electron';
import { formatBytes } from '../../preload/format-bytes.ts';

/** Free and total bytes of the volume a (possibly not yet existing) folder would be on. */
export function volumeOf(dir: string): { freeBytes: number; totalBytes: number } | null {
  let probe = resolve(dir);
  while (!existsSync(probe)) {
    const up = dirname(probe);
    if (up === probe) return null;
    probe = up;
  }
  try {
    const s = statfsSync(probe);
    return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
  } catch {
    return null;
  }
}

/** Why a folder cannot hold recordings, or null when it can. */
export function recordingsFolderProblem(dir: string): string | null {
  if (!dir || !isAbsolute(dir)) return 'choose a full folder path';
  const abs = resolve(dir);
  if (parse(abs).root === abs) return 'choose a folder, not the root of a drive';
  if (existsSync(abs)) {
    if (!statSync(abs).isDirectory()) return `${abs} is a file, not a folder`;
    try {
      accessSync(abs, constants.W_OK);
    } catch {
      return `Keepwatch cannot write to ${abs}`;
    }
  }
  return null;
}

/** Below this much free space the choice screen warns. */
export const LOW_SPACE_BYTES = 20 * 1000 ** 3;

export function describeFolder(dir: string, volume: { freeBytes: number; totalBytes: number } | null): string {
  if (!volume) return `${dir}\nFree space: unknown`;
  const line = `${dir}\n${formatBytes(volume.freeBytes)} free of ${formatBytes(volume.totalBytes)}`;
  if (volume.freeBytes < LOW_SPACE_BYTES) {
    return `${line}\n\nThat is little room for video: Keepwatch will delete the oldest footage early to keep recording.`;
  }
  return line;
}

type DialogLike = Pick<Dialog, 'showMessageBox' | 'showOpenDialog'>;

/**
 * Asks until the user picks a usable folder; null when they quit instead.
 * Footage is never written anywhere the user did not agree to.
 */
export async function chooseRecordingsFolder(dialog: DialogLike, suggested: string): Promise<string | null> {
  let candidate = suggested;
  for (;;) {
    const problem = recordingsFolderProblem(candidate);
    const detail = problem ? `${candidate}\n\n${problem}.` : describeFolder(candidate, volumeOf(candidate));
    const { response } = await dialog.showMessageBox({
      type: problem ? 'warning' : 'question',
      title: 'Keepwatch: where should recordings go?',
      message: 'Choose the folder for your recordings',
      detail: `${detail}\n\nYou can pick a folder on a larger drive. Keepwatch never records anywhere else.`,
      buttons: problem ? ['Choose another folder…', 'Quit'] : ['Record here', 'Choose another folder…', 'Quit'],
      defaultId: 0,
      cancelId: problem ? 1 : 2,
      noLink: true,
    });
    const action = problem ? (['choose', 'quit'] as const)[response] : (['use', 'choose', 'quit'] as const)[response];
    if (action === 'use') return resolve(candidate);
    if (action !== 'choose') return null;
    const picked = await dialog.showOpenDialog({
      title: 'Folder for Keepwatch recordings',
      defaultPath: existsSync(candidate) ? candidate : dirname(candidate),
      properties: ['openDirectory', 'createDirectory', 'promptToCreate'],
      buttonLabel: 'Use this folder',
    });
    if (!picked.canceled && picked.filePaths[0]) candidate = picked.filePaths[0];
  }
}

/**
 * The folder to record into at launch: the saved one, if it is there. A
 * saved folder that is missing (an external drive not connected) is never
 * silently re-created, or footage would fill the system disk under the empty
 * mount point: the user retries, picks another folder, or confirms.
 */
export async function recordingsFolderAtLaunch(dialog: DialogLike, saved: string | null, suggested: string): Promise<string | null> {
  if (!saved) return chooseRecordingsFolder(dialog, suggested);
  while (!existsSync(saved)) {
    const { response } = await dialog.showMessageBox({
      type: 'warning',
      title: 'Keepwatch: recordings folder missing',
      message: 'The recordings folder is not there',
      detail: `${saved}\n\nIf it is on an external or network drive, connect it and choose Try again.`,
      buttons: ['Try again', 'Choose another folder…', 'Create it here', 'Quit'],
      defaultId: 0,
      cancelId: 3,
      noLink: true,
    });
    if (response === 1) return chooseRecordingsFolder(dialog, saved);
    if (response === 2) return saved;
    if (response !== 0) return null;
  }
  return saved;
}
