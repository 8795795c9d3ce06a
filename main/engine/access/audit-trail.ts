/**
 * What the audit log hears from the boundary: who changed cameras or
 * settings, who played, exported, downloaded or steered which camera, who
 * watched which camera live. Recorded after the operation succeeded, by the
 * dispatcher and the raw routes, so no handler has to remember. Account
 * changes (logins, users, sessions, tokens) are recorded by the user service
 * itself, which knows their details.
 */
import type { AuditAction, OperationName, OpOutput } from '../../../preload/api.ts';
import type { Caller } from './caller.ts';

export interface AuditRecord {
  action: AuditAction;
  userId: number | null;
  username: string | null;
  cameraId: number | null;
  address: string;
  detail: string;
}

export interface AuditSink {
  record(entry: AuditRecord): void;
}

type Entry = { action: AuditAction; cameraId?: number | null; detail?: string };
type Describe<K extends OperationName> = (input: Record<string, unknown>, output: OpOutput<K>) => Entry[];

const iso = (ms: unknown) => (typeof ms === 'number' ? new Date(ms).toISOString() : '?');
const changed = (input: Record<string, unknown>) => Object.keys(input).filter((k) => k !== 'id' && k !== 'password').sort().join(', ');

/** The operations that leave a trace, and what it says. */
export const auditedOperations: { [K in OperationName]?: Describe<K> } = {
  addCamera: (_, out) => [{ action: 'camera-added', cameraId: out.id, detail: out.name }],
  updateCamera: (input) => [{ action: 'camera-changed', cameraId: input.id as number, detail: changed(input) }],
  setOnvifProfiles: (input) => [{ action: 'camera-changed', cameraId: input.id as number, detail: 'ONVIF profiles' }],
  setDetection: (input) => [{ action: 'camera-changed', cameraId: input.id as number, detail: 'detection' }],
  removeCamera: (input) => [{ action: 'camera-removed', cameraId: input.id as number }],
  updateSettings: (input) => [{ action: 'settings-changed', detail: changed(input) }],
  updateAlertSettings: (input) => [{ action: 'settings-changed', detail: `alerts: ${changed(input)}` }],
  updateLan: (input) => [{ action: 'lan-changed', detail: changed(input).replace(/keyPem/, 'key') }],
  createExport: (_, out) => out.cameras.map((cameraId) => ({ action: 'export' as const, cameraId, detail: `${iso(out.from)} – ${iso(out.to)} (${out.mode}), export ${out.id}` })),
  ptz: (input) => [{ action: 'ptz', cameraId: input.id as number, detail: String(input.action) }],
};

/** One audit line for `caller` (the raw routes call this directly). */
export function auditRecord(caller: Caller | null, address: string, entry: Entry): AuditRecord {
  return {
    action: entry.action,
    userId: caller?.userId ?? null,
    username: caller?.username ?? null,
    cameraId: entry.cameraId ?? null,
    address,
    detail: entry.detail ?? '',
  };
}
