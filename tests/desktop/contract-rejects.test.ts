/**
 * (1) The contract rejects malformed input for EVERY operation, with a clear
 * message, before any handler runs: through the schema itself, through the
 * engine's Dispatcher, and through the desktop IPC layer's check.
 * A new operation without bad-input cases in ./bad-inputs.ts fails here.
 */
import { describe, expect, it } from 'vitest';
import { OPERATION_NAMES, operations, type OperationName } from '../../preload/api.ts';
import { describeIssues, Dispatcher, type Handlers } from '../../main/engine/handlers.ts';
import { inputProblem } from '../../main/electron/ipc.ts';
import { BAD_INPUTS } from './bad-inputs.ts';
import { AccessGuard } from '../../main/engine/access/guard.ts';
import type { Caller } from '../../main/engine/access/caller.ts';

const called: string[] = [];
// Handlers that must never run: every call below carries malformed input.
const tripwire = new Proxy({} as Handlers, {
  get: (_t, name: string) => () => {
    called.push(name);
    throw new Error(`handler ${name} ran on malformed input`);
  },
});
// An admin: the check lets it through to the input validation of every operation.
const admin: Caller = { userId: 1, username: 'owner', role: 'admin', owner: true, via: 'local', sessionId: null, tokenId: null, grants: new Map(), address: 'local' };
const guard = new AccessGuard({ resources: { camerasOf: () => null }, owners: { tokenOwner: () => null, sessionOwner: () => null } });
const dispatcher = new Dispatcher(tripwire, { guard });

describe('malformed input is rejected for every operation', () => {
  it('every operation has bad-input cases (add them to tests/desktop/bad-inputs.ts)', () => {
    const missing = OPERATION_NAMES.filter((name) => !(BAD_INPUTS[name]?.length > 0));
    expect(missing, 'operations without bad-input cases').toEqual([]);
  });

  it('no cases for operations that do not exist', () => {
    const stale = Object.keys(BAD_INPUTS).filter((name) => !(OPERATION_NAMES as string[]).includes(name));
    expect(stale).toEqual([]);
  });

  const cases = OPERATION_NAMES.flatMap((op) => (BAD_INPUTS[op] ?? []).map((c) => [op, c.why, c] as const));
  it.each(cases)('%s: %s', async (op, _why, c) => {
    const parsed = operations[op as OperationName].input.safeParse(c.input);
    expect(parsed.success, `${op} accepted ${JSON.stringify(c.input)}`).toBe(false);
    const message = describeIssues(parsed.error!);
    // Clear: names the field and the reason, short, no object dumps.
    expect(message).toMatch(c.says);
    expect(message.length).toBeLessThan(400);
    expect(message).not.toMatch(/\[object Object\]|undefined:/);

    const result = await dispatcher.dispatch(op as OperationName, c.input, { caller: admin });
    expect(result).toEqual({ ok: false, error: { code: 'invalid_input', message } });

    expect(inputProblem(op as OperationName, c.input)).toBe(message);
  });

  it('no handler ever ran', () => {
    expect(called).toEqual([]);
  });
});
