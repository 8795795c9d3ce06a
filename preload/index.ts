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
 * A second object, `window.keepwatchDesktop`, carries the desktop-only
 * operations of preload/contract/desktop.ts (a folder dialog for "Save to
 * folder…"), each on its own "kw-desktop:<name>" channel. The page never
 * sends a path through it: main shows the dialog and keeps the answer.
 *
 * Runs sandboxed: electron-vite bundles this into ONE CommonJS file whose
 * only require is 'electron' (zod and the contract are inlined).
 */
import './zod-jitless.ts';
import { contextBridge, ipcRenderer } from 'electron';
import { DESKTOP_OPERATION_NAMES, OPERATION_NAMES, type KeepwatchApi, type KeepwatchDesktopApi, type OperationName } from './api.ts';
import { channelFor, desktopChannelFor } from './ipc-channel.ts';

type Invoke = (channel: string, input: unknown) => Promise<unknown>;

/** One frozen function per name, each invoking its own channel. Nothing generic is exposed. */
function bridgeOf<N extends string>(names: readonly N[], channelOf: (name: N) => string, invoke: Invoke): Record<N, (input?: unknown) => Promise<unknown>> {
  const api = {} as Record<N, (input?: unknown) => Promise<unknown>>;
  for (const name of names) {
    const channel = channelOf(name);
    // An omitted input travels as undefined; main's schema decides what is acceptable.
    api[name] = (input?: unknown) => invoke(channel, input);
  }
  return Object.freeze(api);
}

/** The contract's operations, each on "kw:<name>". */
export function buildBridge(invoke: Invoke): KeepwatchApi {
  return bridgeOf<OperationName>(OPERATION_NAMES, channelFor, invoke) as unknown as KeepwatchApi;
}

/** The desktop-only operations, each on "kw-desktop:<name>". */
export function buildDesktopBridge(invoke: Invoke): KeepwatchDesktopApi {
  return bridgeOf(DESKTOP_OPERATION_NAMES, desktopChannelFor, invoke) as unknown as KeepwatchDesktopApi;
}

const invokeMain: Invoke = (channel, input) => ipcRenderer.invoke(channel, input);
const api = buildBridge(invokeMain) satisfies KeepwatchApi;

contextBridge.exposeInMainWorld('keepwatch', api);
contextBridge.exposeInMainWorld('keepwatchDesktop', buildDesktopBridge(invokeMain) satisfies KeepwatchDesktopApi);
