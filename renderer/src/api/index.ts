/**
 * Picks the transport: the desktop app's preload exposes `window.keepwatch`;
 * in a browser against the headless server, the HTTP client is used.
 */
import type { KeepwatchApi } from '../../../preload/api.ts';
import { createHttpApi } from './http-client.ts';

declare global {
  interface Window {
    keepwatch?: KeepwatchApi;
  }
}

export const api: KeepwatchApi = window.keepwatch ?? createHttpApi();
