/**
 * The desktop bridge: `window.keepwatch`, built FROM the contract. For each
 * operation in OPERATION_NAMES one function that invokes its own IPC channel
 * ("kw:<name>"); main checks the sender and validates the input with the
 * operation's zod schema before anything runs.
 *
 * Named operations only: no generic invoke/send, no filesystem, no shell, no
 * paths. Live view, media and snapshots reach the renderer over the engine's
 * loopback server, same origin as the page (docs/desktop.md), so no extra
 * channel is needed here.
 *
 * Runs sandboxed: electron-vite bundles this into ONE CommonJS file whose
 * only require is 'electron' (zod and the contract are inlined).
 */
import './zod-jitless.ts';
import { contextBridge, ipcRenderer } from 'electron';
import { OPERATION_NAMES, type KeepwatchApi, type OperationName } from './api.ts';
import { channelFor } from './ipc-channel.ts';

type Invoke = (channel: string, input: unknown) => Promise<unknown>;

/** One function per operation, each bound to its own channel. */
export function buildBridge(invoke: Invoke): KeepwatchApi {
  const api: Partial<Record<OperationName, (input?: unknown) => Promise<unknown>>> = {};
  for (const name of OPERATION_NAMES) {
    const channel = channelFor(name);
    // An omitted input travels as undefined; main's schema decides what is acceptable.
    api[name] = (input?: unknown) => invoke(channel, input);
  }
  return Object.freeze(api) as KeepwatchApi;
}

const api = buildBridge((channel, input) => ipcRenderer.invoke(channel, input)) satisfies KeepwatchApi;

contextBridge.exposeInMainWorld('keepwatch', api);
