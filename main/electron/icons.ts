/**
 * Keepwatch's tray and window icons, the electron-vite way: the sources (`resources/icon.svg`,
 * `resources/tray.svg`) and their renderings live in `resources/` (see
 * `resources/README.md`; `npm run icons` renders them with
 * `scripts/make-icons.mjs`), and the main process imports the files with
 * `?asset`, which electron-vite turns into a path inside the packaged app
 * (`resources/tray/**` is in electron-builder.yml's `files`). Each state has
 * `<state>.png` (16 px) and `<state>@2x.png` (32 px) side by side; Electron's
 * `nativeImage.createFromPath` picks the @2x file on high-DPI screens by itself.
 * The installers' icons (`resources/build/`) are electron-builder's business;
 * on Linux the window also gets `resources/icon.png` (Windows and macOS take
 * the window's icon from the executable).
 */
import ok from '../../resources/tray/ok.png?asset';
import warn from '../../resources/tray/warn.png?asset';
import error from '../../resources/tray/error.png?asset';
import idle from '../../resources/tray/idle.png?asset';
import windowIcon from '../../resources/icon.png?asset';
import type { TrayIconState } from './tray-status.ts';

/** The 16 px tray image of each state (its @2x sibling is found by Electron). */
export const TRAY_ICON_FILES: Record<TrayIconState, string> = { ok, warn, error, idle };

/** The window icon (used on Linux). */
export const WINDOW_ICON: string = windowIcon;
