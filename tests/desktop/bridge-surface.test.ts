/**
 * (2) The exposed bridge surface. preload/index.ts is loaded with a fake
 * `electron` module; what it hands to contextBridge must be exactly the
 * contract's operations, each invoking its own channel. The inline snapshot
 * makes adding an operation a deliberate change (update it with -u).
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { OPERATION_NAMES } from '../../preload/api.ts';

const exposed: { key: string; api: Record<string, unknown> }[] = [];
const invoke = vi.fn(async (channel: string, input: unknown) => ({ ok: true, value: { channel, input } }));

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: Record<string, unknown>) => exposed.push({ key, api }) },
  ipcRenderer: { invoke: (channel: string, input: unknown) => invoke(channel, input) },
}));

beforeAll(async () => {
  await import('../../preload/index.ts');
});

describe('the preload bridge', () => {
  it('exposes one object, window.keepwatch', () => {
    expect(exposed.map((e) => e.key)).toEqual(['keepwatch']);
  });

  it('exposes exactly the contract operations, all functions, nothing else', () => {
    const api = exposed[0].api;
    expect(Object.keys(api).sort()).toEqual([...OPERATION_NAMES].sort());
    for (const [name, value] of Object.entries(api)) expect(typeof value, name).toBe('function');
    // No generic pass-through, filesystem, shell or paths on the surface.
    for (const forbidden of ['invoke', 'send', 'on', 'ipcRenderer', 'require', 'fs', 'shell', 'openExternal', 'path']) {
      expect(api).not.toHaveProperty(forbidden);
    }
    expect(Object.isFrozen(api)).toBe(true);
  });

  it('matches the reviewed surface', () => {
    expect(Object.keys(exposed[0].api).sort()).toMatchInlineSnapshot(`
      [
        "addCamera",
        "cancelExport",
        "createExport",
        "discoverCameras",
        "findAdjacent",
        "getCamera",
        "getDiscoveryDefaults",
        "getExport",
        "getOnvifCamera",
        "getRecordingIndex",
        "getSettings",
        "getSnapshot",
        "getStatus",
        "getTimeline",
        "health",
        "listCameras",
        "listEvents",
        "listExports",
        "listPtzPresets",
        "listRecordings",
        "probeOnvif",
        "ptz",
        "removeCamera",
        "setOnvifProfiles",
        "updateCamera",
        "updateSettings",
        "verifyExport",
      ]
    `);
  });

  it('each function invokes its own "kw:<name>" channel with the input, and returns main\'s answer', async () => {
    const api = exposed[0].api as Record<string, (input?: unknown) => Promise<unknown>>;
    for (const name of OPERATION_NAMES) {
      invoke.mockClear();
      const input = { probe: name };
      await expect(api[name](input)).resolves.toEqual({ ok: true, value: { channel: `kw:${name}`, input } });
      expect(invoke).toHaveBeenCalledTimes(1);
      expect(invoke).toHaveBeenCalledWith(`kw:${name}`, input);
    }
  });
});
