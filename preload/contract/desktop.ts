/**
 * Desktop-only operations: what only the Electron shell can do, because it
 * needs a native dialog. They are not engine operations (no HTTP route, not
 * in `operations`): the preload exposes them as a second, separate object,
 * `window.keepwatchDesktop` (absent in a browser), and main answers them
 * itself (main/electron/export-save.ts), after the same sender check and
 * zod validation as every other call.
 *
 * Saving an export to a folder the user picks takes two calls, so the page
 * can say what is happening between them:
 *   1. chooseExportFolder({id}): main shows a folder dialog; the answer is an
 *      opaque, single-use `choice` bound to that export, and the folder's path
 *      for display. The renderer never sends a path: only the choice.
 *   2. saveExportToFolder({id, choice}): the engine copies the finished
 *      export into <folder>/keepwatch-export-<id>-<start>/ and verifies the
 *      copy against its manifest (ExportService.writeTo).
 */
import { z } from 'zod';
import { Id } from './primitives.ts';
import { VerifyReport } from './timeline.ts';
import type { Result } from './results.ts';

export const ChooseExportFolderInput = z.object({ id: Id }).strict();
export const ExportFolderChoice = z.discriminatedUnion('chosen', [
  z.object({ chosen: z.literal(false) }),
  z.object({
    chosen: z.literal(true),
    /** Opaque and single-use; only main knows the folder it stands for. */
    choice: z.string(),
    /** The chosen folder, for display. */
    folder: z.string(),
  }),
]);
export type ExportFolderChoice = z.infer<typeof ExportFolderChoice>;

export const SaveExportToFolderInput = z.object({ id: Id, choice: z.string().min(1).max(100) }).strict();
export const SavedExport = z.object({
  /** The new folder: <chosen folder>/keepwatch-export-<id>-<UTC start>. */
  folder: z.string(),
  /** The copy checked against its manifest. */
  report: VerifyReport,
});
export type SavedExport = z.infer<typeof SavedExport>;

export const desktopOperations = {
  chooseExportFolder: { input: ChooseExportFolderInput, output: ExportFolderChoice },
  saveExportToFolder: { input: SaveExportToFolderInput, output: SavedExport },
} as const;

export type DesktopOperationName = keyof typeof desktopOperations;
export const DESKTOP_OPERATION_NAMES = Object.keys(desktopOperations) as DesktopOperationName[];

/** `window.keepwatchDesktop`: present only in the desktop app. */
export type KeepwatchDesktopApi = {
  [K in DesktopOperationName]: (input: z.input<(typeof desktopOperations)[K]['input']>) => Promise<Result<z.infer<(typeof desktopOperations)[K]['output']>>>;
};
