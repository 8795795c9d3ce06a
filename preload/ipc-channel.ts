/**
 * The IPC channel of each operation: "kw:<operation name>", and of each
 * desktop-only operation: "kw-desktop:<name>" (the two never clash). Shared by
 * the preload bridge (preload/index.ts) and main (main/electron/ipc.ts); no
 * electron import.
 */
import type { DesktopOperationName, OperationName } from './api.ts';

export const IPC_PREFIX = 'kw:';

export function channelFor(name: OperationName): string {
  return IPC_PREFIX + name;
}

export const DESKTOP_IPC_PREFIX = 'kw-desktop:';

export function desktopChannelFor(name: DesktopOperationName): string {
  return DESKTOP_IPC_PREFIX + name;
}
