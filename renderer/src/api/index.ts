/**
 * Picks the transport: the desktop app's preload exposes `window.keepwatch`;
 * in a browser against the headless server, the HTTP client is used.
 * `desktop` is the desktop-only bridge (`window.keepwatchDesktop`: native
 * dialogs, preload/contract/desktop.ts), null in a browser: pages show
 * desktop-only controls only when it is there.
 */
import type { KeepwatchApi, KeepwatchDesktopApi } from '../../../preload/api.ts';
import { createHttpApi } from './http-client.ts';

declare global {
  interface Window {
    keepwatch?: KeepwatchApi;
    keepwatchDesktop?: KeepwatchDesktopApi;
  }
}

export const api: KeepwatchApi = window.keepwatch ?? createHttpApi();

export const desktop: KeepwatchDesktopApi | null = window.keepwatchDesktop ?? null;
