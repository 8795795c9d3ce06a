/**
 * The messages between the Electron main process and the engine host (the
 * utility process running the engine). Plain structured-cloneable objects;
 * no Electron import, so both sides and the tests share it.
 *
 *   main → host: start, call (an operation), media (resolve a recording), stop
 *   host → main: ready | fatal, result, media-file, status, stopped
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
  | { type: 'media'; id: number; segment: number }
  | { type: 'stop' };

export interface MediaFile {
  path: string;
  size: number;
  mtimeMs: number;
}

export type HostToMain =
  | { type: 'ready'; port: number; recordingsRoot: string }
  | { type: 'fatal'; message: string }
  | { type: 'result'; id: number; result: Result<unknown> }
  | { type: 'media-file'; id: number; result: Result<MediaFile> }
  | { type: 'status'; status: EngineStatus }
  | { type: 'stopped' };

/** The minimal port both ends talk through (Electron's ParentPort / UtilityProcess, or a test pair). */
export interface MessageEnd<In, Out> {
  postMessage(message: Out): void;
  onMessage(listener: (message: In) => void): void;
}

const HOST_TYPES = new Set(['ready', 'fatal', 'result', 'media-file', 'status', 'stopped']);
const MAIN_TYPES = new Set(['start', 'call', 'media', 'stop']);

export function isHostToMain(value: unknown): value is HostToMain {
  return typeof value === 'object' && value !== null && HOST_TYPES.has((value as { type?: unknown }).type as string);
}

export function isMainToHost(value: unknown): value is MainToHost {
  return typeof value === 'object' && value !== null && MAIN_TYPES.has((value as { type?: unknown }).type as string);
}
