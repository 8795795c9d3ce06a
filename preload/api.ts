/**
 * The one typed contract shared by main (engine + Electron shell), the preload
 * bridge and the renderer.
 *
 * - Every operation has a zod schema for its input. Main validates every call
 *   with it before a handler runs; handlers never see unvalidated input.
 * - Output types are described by zod too, so tests can check what crosses the
 *   boundary, but the renderer imports *types only* from this file.
 * - No `electron` import here or below: this runs in plain Node (headless
 *   server), in the sandboxed preload and (as types) in the browser.
 *
 * The schemas live by area in ./contract/; this file merges them into the one
 * operation table. One API, two transports: IPC (desktop) and HTTP/WebSocket
 * (headless). preload/http-routes.ts maps each public route onto one of these
 * operations; handlers do not know which transport called them.
 */
import type { z } from 'zod';
import { coreOperations } from './contract/core.ts';
import { onvifOperations } from './contract/onvif.ts';
import { timelineOperations } from './contract/timeline.ts';
import { detectionOperations } from './contract/detection.ts';
import { userOperations } from './contract/users.ts';
import { lanOperations } from './contract/lan.ts';
import { operationAccess, type Access } from './contract/access.ts';
import type { Result } from './contract/results.ts';

export * from './contract/primitives.ts';
export * from './contract/results.ts';
export * from './contract/core.ts';
export * from './contract/onvif.ts';
export * from './contract/live.ts';
export * from './contract/timeline.ts';
// Desktop-only operations (window.keepwatchDesktop): not part of `operations` below.
export * from './contract/desktop.ts';
export * from './contract/detection.ts';
export * from './contract/users.ts';
export * from './contract/lan.ts';
export * from './contract/access.ts';

/**
 * Every operation: its input schema and its output schema. Adding an operation
 * is a deliberate change: the bridge snapshot test will notice.
 */
export const operations = {
  ...coreOperations,
  ...onvifOperations,
  ...timelineOperations,
  ...detectionOperations,
  ...userOperations,
  ...lanOperations,
} as const;

export type Operations = typeof operations;
export type OperationName = keyof Operations;
export type OpInput<K extends OperationName> = z.input<Operations[K]['input']>;
export type OpOutput<K extends OperationName> = z.infer<Operations[K]['output']>;

/** What the renderer sees, whichever transport is underneath. */
export type KeepwatchApi = {
  [K in OperationName]: (input: OpInput<K>) => Promise<Result<OpOutput<K>>>;
};

export const OPERATION_NAMES = Object.keys(operations) as OperationName[];

/**
 * The right each operation needs (./contract/access.ts). This line is what
 * makes an operation without a declaration fail to compile.
 */
export const OPERATION_ACCESS: { readonly [K in OperationName]: Access } = operationAccess;
