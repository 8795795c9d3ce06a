/**
 * The Audit page's filters as an address (#/audit?range=24h&user=2&camera=5&action=login)
 * and as the listAudit query; the words for each action. Pure.
 */
import { AUDIT_ACTIONS, type AuditAction, type AuditQuery } from '../../../preload/api.ts';

export const AUDIT_RANGES = [
  { key: '1h', label: '1 hour', ms: 3600_000 },
  { key: '24h', label: '24 hours', ms: 86_400_000 },
  { key: '7d', label: '7 days', ms: 7 * 86_400_000 },
  { key: '30d', label: '30 days', ms: 30 * 86_400_000 },
] as const;
export type AuditRange = (typeof AUDIT_RANGES)[number]['key'];

export interface AuditFilters {
  range: AuditRange;
  user: number | null;
  camera: number | null;
  action: AuditAction | null;
}

/** How many entries one page of the table asks for. */
export const AUDIT_PAGE = 500;

const positive = (v: string | null): number | null => {
  const n = Number(v);
  return v && Number.isSafeInteger(n) && n > 0 ? n : null;
};

export function parseAuditFilters(query: URLSearchParams): AuditFilters {
  const range = AUDIT_RANGES.find((r) => r.key === query.get('range'))?.key ?? '24h';
  const action = query.get('action');
  return {
    range,
    user: positive(query.get('user')),
    camera: positive(query.get('camera')),
    action: action && (AUDIT_ACTIONS as readonly string[]).includes(action) ? (action as AuditAction) : null,
  };
}

export function auditHash(f: AuditFilters): string {
  const q = new URLSearchParams();
  if (f.range !== '24h') q.set('range', f.range);
  if (f.user !== null) q.set('user', String(f.user));
  if (f.camera !== null) q.set('camera', String(f.camera));
  if (f.action !== null) q.set('action', f.action);
  const s = q.toString();
  return `#/audit${s ? `?${s}` : ''}`;
}

export function auditQuery(f: AuditFilters, now: number): AuditQuery {
  const ms = AUDIT_RANGES.find((r) => r.key === f.range)!.ms;
  return {
    from: now - ms,
    // A little ahead, so what happens while the page is open is inside the range.
    to: now + 60_000,
    ...(f.user !== null ? { user: f.user } : {}),
    ...(f.camera !== null ? { camera: f.camera } : {}),
    ...(f.action !== null ? { action: f.action } : {}),
    limit: AUDIT_PAGE,
  };
}

export const ACTION_LABELS: Record<AuditAction, string> = {
  login: 'Signed in',
  'login-failed': 'Sign-in failed',
  logout: 'Signed out',
  setup: 'First-run setup',
  live: 'Watched live',
  playback: 'Played footage',
  export: 'Exported',
  download: 'Downloaded',
  ptz: 'Moved (PTZ)',
  'user-created': 'User added',
  'user-changed': 'User changed',
  'user-removed': 'User removed',
  'password-changed': 'Password changed',
  'session-revoked': 'Session ended',
  'token-created': 'Token made',
  'token-revoked': 'Token revoked',
  'camera-added': 'Camera added',
  'camera-changed': 'Camera changed',
  'camera-removed': 'Camera removed',
  'settings-changed': 'Settings changed',
  'lan-changed': 'LAN access changed',
};

/** The badge colour: failures and removals stand out, watching is green, changes blue. */
export function actionTone(action: AuditAction): 'danger' | 'watch' | 'change' | 'plain' {
  if (action === 'login-failed' || action.endsWith('-removed') || action.endsWith('-revoked')) return 'danger';
  if (['live', 'playback', 'export', 'download', 'ptz'].includes(action)) return 'watch';
  if (action.endsWith('-changed') || action.endsWith('-created') || action.endsWith('-added') || action === 'setup') return 'change';
  return 'plain';
}

/** The actions in groups, for the filter's <select>. */
export const ACTION_GROUPS: { label: string; actions: AuditAction[] }[] = [
  { label: 'Signing in', actions: ['login', 'login-failed', 'logout', 'setup', 'session-revoked'] },
  { label: 'Footage', actions: ['live', 'playback', 'export', 'download', 'ptz'] },
  { label: 'People', actions: ['user-created', 'user-changed', 'user-removed', 'password-changed', 'token-created', 'token-revoked'] },
  { label: 'Configuration', actions: ['camera-added', 'camera-changed', 'camera-removed', 'settings-changed', 'lan-changed'] },
];
