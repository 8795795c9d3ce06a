/**
 * The IPC transport of the contract, main side: one ipcMain.handle per
 * operation name (channel "kw:<name>"), nothing generic. Each handler first
 * checks the sender (our window, its main frame, the app's origin), then
 * validates the input with the operation's zod schema, and only then
 * forwards the call to the engine host, whose dispatcher validates again.
 * The desktop-only operations ("kw-desktop:<name>", preload/contract/desktop.ts)
 * pass the same two checks and are answered by main itself.
 *
 * Electron arrives as parameters (types only), so tests/desktop/ipc.test.ts
 * drives this with a fake ipcMain.
 */
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import {
  DESKTOP_OPERATION_NAMES,
  desktopOperations,
  OPERATION_NAMES,
  operations,
  type DesktopOperationName,
  type OperationName,
  type Result,
} from '../../preload/api.ts';
import { describeIssues } from '../engine/handlers.ts';
import type { IpcSender } from './security.ts';
import { channelFor, desktopChannelFor, IPC_PREFIX } from '../../preload/ipc-channel.ts';

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

type Schema = { safeParse(v: unknown): { success: true; data: unknown } | { success: false; error: Parameters<typeof describeIssues>[0] } };

/** Parses raw input with a schema; the data, or the problem as main words it. */
function validate(schema: Schema, input: unknown): { ok: true; data: unknown } | { ok: false; problem: string } {
  const parsed = schema.safeParse(input);
  return parsed.success ? { ok: true, data: parsed.data } : { ok: false, problem: describeIssues(parsed.error) };
}

/** Validates one operation's raw input; null when it is acceptable (what every handler below checks). */
export function inputProblem(op: OperationName, input: unknown): string | null {
  const v = validate(operations[op].input, input);
  return v.ok ? null : v.problem;
}

type Guard = Pick<IpcDeps, 'ipcMain' | 'senderAllowed' | 'log'>;

/**
 * One ipcMain.handle per channel, each checking the sender first (a refused
 * sender learns nothing: the invoke rejects without details), then the input
 * with `schema`, and only then calling `run` with the parsed input.
 */
function registerGuarded(
  deps: Guard,
  channels: { op: string; channel: string; schema: Schema; run: (input: unknown, raw: unknown) => Promise<Result<unknown>> }[],
): () => void {
  for (const { op, channel, schema, run } of channels) {
    deps.ipcMain.handle(channel, async (event: IpcMainInvokeEvent, input: unknown) => {
      const sender = senderOf(event);
      if (!deps.senderAllowed(sender)) {
        deps.log?.(`refused ${op} from ${sender.isMainFrame ? 'a main frame' : 'a subframe'} at ${sender.frameUrl ?? '(gone)'}`);
        throw new Error('refused');
      }
      const v = validate(schema, input);
      if (!v.ok) return { ok: false, error: { code: 'invalid_input', message: v.problem } } satisfies Result<never>;
      return run(v.data, input);
    });
  }
  return () => {
    for (const { channel } of channels) deps.ipcMain.removeHandler(channel);
  };
}

/** Registers every operation; returns a function that removes them again. */
export function registerOperationHandlers(deps: IpcDeps): () => void {
  return registerGuarded(
    deps,
    // The raw input is relayed: the engine's dispatcher parses it again with the same schema (and its defaults).
    OPERATION_NAMES.map((op) => ({ op, channel: channelFor(op), schema: operations[op].input, run: (_parsed, raw) => deps.forward(op, raw) })),
  );
}

export interface DesktopIpcDeps {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  senderAllowed(sender: IpcSender): boolean;
  /** Main's own answer to each desktop-only operation (preload/contract/desktop.ts), given validated input. */
  handlers: { [K in DesktopOperationName]: (input: never) => Promise<Result<unknown>> };
  log?: (message: string) => void;
}

/**
 * The desktop-only operations ("kw-desktop:<name>"): the same sender check
 * and zod validation as the contract's operations, then main answers itself
 * (a native dialog, a copy through the engine host). Returns the unregister.
 */
export function registerDesktopHandlers(deps: DesktopIpcDeps): () => void {
  return registerGuarded(
    deps,
    DESKTOP_OPERATION_NAMES.map((op) => ({
      op,
      channel: desktopChannelFor(op),
      schema: desktopOperations[op].input,
      run: (parsed) => deps.handlers[op](parsed as never),
    })),
  );
}
