/**
 * The messages between the Electron main process and the engine host (the
 * utility process running the engine). Plain structured-cloneable objects;
 * no Electron import, so both sides and the tests share it.
 *
 *   main → host: start, call (an operation), save-export (desktop "Save to folder…"), stop
 *   host → main: ready | fatal, result (of a call or a save-export), status, stopped
 *
 * (Recordings reach the window through the engine's loopback media route, like
 * in a browser: one way to serve them.)
 */
import type { EngineStatus, OperationName, Result } from '../../preload/api.ts';

export interface HostStartConfig {
  dataDir: string;
  recordingsDir: string;
  /** The packaged app's resources folder (bundled ffmpeg), or null in development. */
  resourcesDir: string | null;
  /** The built renderer the loopback server serves. */
  staticDir: string | null;
  /** Per-launch API token: never written to disk. */
  token: string;
  /** Preferred loopback port (0 = any free one). */
  port: number;
  /**
   * The 32-byte credentials key unsealed by Electron safeStorage in main
   * (base64), or null to use the headless key file (DIR/secret.key).
   */
  secretKey: string | null;
}

export type MainToHost =
  | { type: 'start'; config: HostStartConfig }
  | { type: 'call'; id: number; op: OperationName; input: unknown }
  /** Copy finished export `exportId` into `parentDir` (chosen in main's dialog) and verify it. */
  | { type: 'save-export'; id: number; exportId: number; parentDir: string }
  | { type: 'stop' };

export type HostToMain =
  | { type: 'ready'; port: number; recordingsRoot: string }
  | { type: 'fatal'; message: string }
  | { type: 'result'; id: number; result: Result<unknown> }
  | { type: 'status'; status: EngineStatus }
  /** A detection alert of a camera the user opted into desktop notifications for (docs/detection.md). */
  | { type: 'alert'; alert: DesktopAlert }
  | { type: 'stopped' };

/** What a desktop notification shows: the camera, what was seen, the picture (JPEG, base64). */
export interface DesktopAlert {
  reviewId: number;
  cameraId: number;
  title: string;
  body: string;
  jpegBase64: string | null;
}

/** The minimal port both ends talk through (Electron's ParentPort / UtilityProcess, or a test pair). */
export interface MessageEnd<In, Out> {
  postMessage(message: Out): void;
  onMessage(listener: (message: In) => void): void;
}

const HOST_TYPES = new Set(['ready', 'fatal', 'result', 'status', 'alert', 'stopped']);
const MAIN_TYPES = new Set(['start', 'call', 'save-export', 'stop']);

export function isHostToMain(value: unknown): value is HostToMain {
  return typeof value === 'object' && value !== null && HOST_TYPES.has((value as { type?: unknown }).type as string);
}

export function isMainToHost(value: unknown): value is MainToHost {
  return typeof value === 'object' && value !== null && MAIN_TYPES.has((value as { type?: unknown }).type as string);
}
