/**
 * (2) The exposed bridge surface. preload/index.ts is loaded with a fake
 * `electron` module; what it hands to contextBridge must be exactly the
 * contract's operations, each invoking its own channel, plus the desktop-only
 * object (window.keepwatchDesktop: preload/contract/desktop.ts). The inline
 * snapshots make adding an operation a deliberate change (update with -u).
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { DESKTOP_OPERATION_NAMES, OPERATION_NAMES } from '../../preload/api.ts';

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
  it('exposes two objects: window.keepwatch (the contract) and window.keepwatchDesktop (desktop-only dialogs)', () => {
    expect(exposed.map((e) => e.key)).toEqual(['keepwatch', 'keepwatchDesktop']);
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
        "changePassword",
        "completeSetup",
        "createExport",
        "createToken",
        "createUser",
        "discoverCameras",
        "findAdjacent",
        "getAlertSettings",
        "getCamera",
        "getDetection",
        "getDiscoveryDefaults",
        "getExport",
        "getLan",
        "getMe",
        "getOnvifCamera",
        "getRecordingIndex",
        "getReviewItem",
        "getSettings",
        "getSetup",
        "getSnapshot",
        "getStatus",
        "getTimeline",
        "health",
        "listAudit",
        "listCameras",
        "listEvents",
        "listExports",
        "listPtzPresets",
        "listRecordings",
        "listReview",
        "listSessions",
        "listTokens",
        "listUsers",
        "listZones",
        "login",
        "logout",
        "probeOnvif",
        "ptz",
        "removeCamera",
        "removeUser",
        "revokeSession",
        "revokeToken",
        "setDetection",
        "setOnvifProfiles",
        "setReviewed",
        "updateAlertSettings",
        "updateCamera",
        "updateLan",
        "updateSettings",
        "updateUser",
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

  it('window.keepwatchDesktop: exactly the reviewed desktop operations, each on its own "kw-desktop:<name>" channel', async () => {
    const desktop = exposed.find((e) => e.key === 'keepwatchDesktop')!.api as Record<string, (input?: unknown) => Promise<unknown>>;
    expect(Object.keys(desktop).sort()).toMatchInlineSnapshot(`
      [
        "chooseExportFolder",
        "saveExportToFolder",
      ]
    `);
    expect(Object.keys(desktop).sort()).toEqual([...DESKTOP_OPERATION_NAMES].sort());
    expect(Object.isFrozen(desktop)).toBe(true);
    for (const forbidden of ['invoke', 'send', 'on', 'ipcRenderer', 'require', 'fs', 'shell', 'openExternal', 'path', 'writeTo', 'showOpenDialog']) {
      expect(desktop).not.toHaveProperty(forbidden);
    }
    for (const name of DESKTOP_OPERATION_NAMES) {
      invoke.mockClear();
      await expect(desktop[name]({ id: 1 })).resolves.toEqual({ ok: true, value: { channel: `kw-desktop:${name}`, input: { id: 1 } } });
      expect(invoke).toHaveBeenCalledWith(`kw-desktop:${name}`, { id: 1 });
    }
  });
});
