/**
 * The IPC channel of each operation: "kw:<operation name>". Shared by the
 * preload bridge (preload/index.ts) and main (main/electron/ipc.ts); no
 * electron import.
 */
import type { OperationName } from './api.ts';

export const IPC_PREFIX = 'kw:';

export function channelFor(name: OperationName): string {
  return IPC_PREFIX + name;
}
