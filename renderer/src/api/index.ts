/**
 * Picks the transport: the desktop app's preload exposes `window.keepwatch`;
 * in a browser against the headless server, the HTTP client is used.
 * `desktop` is the desktop-only bridge (`window.keepwatchDesktop`: native
 * dialogs, preload/contract/desktop.ts), null in a browser: pages show
 * desktop-only controls only when it is there.
 */
import type { KeepwatchApi, KeepwatchDesktopApi } from '../../../preload/api.ts';
import { createHttpApi, onForbidden as onHttpForbidden, onSignedOut as onHttpSignedOut } from './http-client.ts';

declare global {
  interface Window {
    keepwatch?: KeepwatchApi;
    keepwatchDesktop?: KeepwatchDesktopApi;
  }
}

export const api: KeepwatchApi = window.keepwatch ?? createHttpApi();

export const desktop: KeepwatchDesktopApi | null = window.keepwatchDesktop ?? null;

/**
 * Runs `listener` when a call finds nobody signed in (HTTP only: the desktop
 * bridge is always its local owner, so there it never fires).
 */
export const onSignedOut: (listener: () => void) => () => void = window.keepwatch ? () => () => undefined : onHttpSignedOut;

/** Runs `listener` when a call is refused for want of a right (HTTP 403): the page's idea of the person's rights is stale. */
export const onForbidden: (listener: () => void) => () => void = window.keepwatch ? () => () => undefined : onHttpForbidden;
