/**
 * "Save to folder…" for a finished export (desktop only; preload/contract/desktop.ts).
 *
 *  choose({id})        → the folder dialog (main's, never the renderer's
 *                        path); the answer is remembered under a random,
 *                        single-use choice bound to that export.
 *  save({id, choice})  → the engine host copies the export into the folder
 *                        and verifies the copy (ExportService.writeTo).
 *
 * Electron arrives as parameters (the dialog, the engine call), so
 * tests/desktop/export-save.test.ts drives this without Electron.
 */
import { randomBytes } from 'node:crypto';
import type { BrowserWindow, Dialog, OpenDialogOptions } from 'electron';
import type { ExportFolderChoice, Result, SavedExport } from '../../preload/api.ts';

/** The folder dialog of "Save to folder…": folders only, may create one. */
export function exportFolderDialogOptions(exportId: number, defaultPath: string): OpenDialogOptions {
  return {
    title: `Save export ${exportId} to a folder`,
    buttonLabel: 'Save here',
    defaultPath,
    properties: ['openDirectory', 'createDirectory', 'promptToCreate', 'dontAddToRecent'],
  };
}

/** Shows the dialog (attached to the window when there is one); the folder, or null when cancelled. */
export async function pickExportFolder(
  dialog: Pick<Dialog, 'showOpenDialog'>,
  parent: BrowserWindow | null,
  exportId: number,
  defaultPath: string,
): Promise<string | null> {
  const options = exportFolderDialogOptions(exportId, defaultPath);
  const answer = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
  return answer.canceled || !answer.filePaths[0] ? null : answer.filePaths[0];
}

export interface ExportSaveDeps {
  /** Shows the folder dialog; the chosen folder, or null when the user cancelled. */
  chooseFolder(exportId: number): Promise<string | null>;
  /** Asks the engine host to copy and verify (writeTo). */
  writeTo(exportId: number, parentDir: string): Promise<Result<SavedExport>>;
  /** Choices not used within this time are forgotten (default 10 min). */
  choiceTtlMs?: number;
  now?: () => number;
}

export interface ExportSaver {
  choose(input: { id: number }): Promise<Result<ExportFolderChoice>>;
  save(input: { id: number; choice: string }): Promise<Result<SavedExport>>;
}

export function createExportSaver(deps: ExportSaveDeps): ExportSaver {
  const ttl = deps.choiceTtlMs ?? 10 * 60_000;
  const now = deps.now ?? Date.now;
  const choices = new Map<string, { exportId: number; folder: string; at: number }>();
  const forgetOld = () => {
    for (const [key, c] of choices) if (now() - c.at > ttl) choices.delete(key);
  };
  return {
    async choose({ id }) {
      const folder = await deps.chooseFolder(id);
      if (folder === null) return { ok: true, value: { chosen: false } };
      forgetOld();
      const choice = randomBytes(16).toString('hex');
      choices.set(choice, { exportId: id, folder, at: now() });
      return { ok: true, value: { chosen: true, choice, folder } };
    },
    async save({ id, choice }) {
      forgetOld();
      const chosen = choices.get(choice);
      // Single use, and only for the export it was chosen for.
      if (!chosen || chosen.exportId !== id) {
        return { ok: false, error: { code: 'invalid_input', message: 'choose the folder again: that choice is unknown, used or expired' } };
      }
      choices.delete(choice);
      return deps.writeTo(id, chosen.folder);
    },
  };
}
