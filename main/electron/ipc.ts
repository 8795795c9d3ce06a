/**
 * The IPC transport of the contract, main side: one ipcMain.handle per
 * operation name (channel "kw:<name>"), nothing generic. Each handler first
 * checks the sender (our window, its main frame, the app's origin), then
 * validates the input with the operation's zod schema, and only then
 * forwards the call to the engine host, whose dispatcher validates again.
 *
 * Electron arrives as parameters (types only), so tests/desktop/ipc.test.ts
 * drives this with a fake ipcMain.
 */
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { OPERATION_NAMES, operations, type OperationName, type Result } from '../../preload/api.ts';
import { describeIssues } from '../engine/handlers.ts';
import type { IpcSender } from './security.ts';
import { channelFor, IPC_PREFIX } from '../../preload/ipc-channel.ts';

export { channelFor, IPC_PREFIX };

/** The facts the sender check needs, read off an invoke event. */
export function senderOf(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>): IpcSender {
  const frame = event.senderFrame;
  return {
    frameUrl: frame ? frame.url : null,
    isMainFrame: !!frame && frame.parent === null,
    webContentsId: event.sender.id,
  };
}

export interface IpcDeps {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  /** The security.ts sender check, bound to the current origins and windows. */
  senderAllowed(sender: IpcSender): boolean;
  /** Relays a validated call to the engine host. */
  forward(op: OperationName, input: unknown): Promise<Result<unknown>>;
  log?: (message: string) => void;
}

/** Validates one operation's raw input; null when it is acceptable. */
export function inputProblem(op: OperationName, input: unknown): string | null {
  const parsed = operations[op].input.safeParse(input);
  return parsed.success ? null : describeIssues(parsed.error);
}

/** Registers every operation; returns a function that removes them again. */
export function registerOperationHandlers(deps: IpcDeps): () => void {
  for (const op of OPERATION_NAMES) {
    deps.ipcMain.handle(channelFor(op), async (event: IpcMainInvokeEvent, input: unknown) => {
      const sender = senderOf(event);
      if (!deps.senderAllowed(sender)) {
        deps.log?.(`refused ${op} from ${sender.isMainFrame ? 'a main frame' : 'a subframe'} at ${sender.frameUrl ?? '(gone)'}`);
        // A refused sender learns nothing: the invoke rejects without details.
        throw new Error('refused');
      }
      const problem = inputProblem(op, input);
      if (problem) return { ok: false, error: { code: 'invalid_input', message: problem } } satisfies Result<never>;
      return deps.forward(op, input);
    });
  }
  return () => {
    for (const op of OPERATION_NAMES) deps.ipcMain.removeHandler(channelFor(op));
  };
}
