/**
 * The HTTP transport of the contract: which public route carries which
 * operation, and where its input travels. Declarative and pure, so the server
 * (main/server) and the browser client (renderer) derive both directions from
 * the same table. Scripts rely on these paths: keep them stable, extend freely.
 * Documented in docs/API.md.
 */
import type { OperationName } from './api.ts';

export type InputPlacement =
  /** No input. */
  | 'none'
  /** The JSON body is the input. */
  | 'body'
  /** The query string's parameters are the input. */
  | 'query'
  /** Only the :id path parameter. */
  | 'id'
  /** The :id path parameter plus the JSON body's fields. */
  | 'id+body'
  /** The :id path parameter plus the query string's parameters. */
  | 'id+query';

export interface HttpRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Path pattern with an optional :id, e.g. /api/cameras/:id */
  path: string;
  op: OperationName;
  input: InputPlacement;
  /** Success status (default 200). */
  status?: number;
  /**
   * start: the result carries a new session, which the server moves into the
   * `kw_session` cookie (the body keeps only `user`); end: the cookie is cleared.
   */
  session?: 'start' | 'end';
}

export const httpRoutes: HttpRoute[] = [
  { method: 'GET', path: '/api/health', op: 'health', input: 'none' },
  { method: 'GET', path: '/api/status', op: 'getStatus', input: 'none' },
  { method: 'GET', path: '/api/cameras', op: 'listCameras', input: 'none' },
  { method: 'POST', path: '/api/cameras', op: 'addCamera', input: 'body', status: 201 },
  { method: 'GET', path: '/api/cameras/:id', op: 'getCamera', input: 'id' },
  { method: 'PATCH', path: '/api/cameras/:id', op: 'updateCamera', input: 'id+body' },
  { method: 'DELETE', path: '/api/cameras/:id', op: 'removeCamera', input: 'id' },
  { method: 'GET', path: '/api/recordings', op: 'listRecordings', input: 'query' },
  { method: 'GET', path: '/api/settings', op: 'getSettings', input: 'none' },
  { method: 'PATCH', path: '/api/settings', op: 'updateSettings', input: 'body' },
  // Timeline, playback and export. Binary routes (thumbnails, downloads) are raw routes: main/server/timeline-routes.ts.
  { method: 'GET', path: '/api/timeline', op: 'getTimeline', input: 'query' },
  { method: 'GET', path: '/api/timeline/adjacent', op: 'findAdjacent', input: 'query' },
  { method: 'GET', path: '/api/recordings/:id/index', op: 'getRecordingIndex', input: 'id' },
  { method: 'GET', path: '/api/exports', op: 'listExports', input: 'none' },
  { method: 'POST', path: '/api/exports', op: 'createExport', input: 'body', status: 201 },
  { method: 'GET', path: '/api/exports/:id', op: 'getExport', input: 'id' },
  { method: 'DELETE', path: '/api/exports/:id', op: 'cancelExport', input: 'id' },
  { method: 'POST', path: '/api/exports/:id/verify', op: 'verifyExport', input: 'id' },
  // ONVIF. The JPEG itself (GET /api/cameras/:id/snapshot) is a raw route: main/engine/onvif-service/snapshot-route.ts.
  { method: 'GET', path: '/api/discovery/defaults', op: 'getDiscoveryDefaults', input: 'none' },
  { method: 'POST', path: '/api/discovery', op: 'discoverCameras', input: 'body' },
  { method: 'POST', path: '/api/onvif/probe', op: 'probeOnvif', input: 'body' },
  { method: 'GET', path: '/api/cameras/:id/onvif', op: 'getOnvifCamera', input: 'id+query' },
  { method: 'PATCH', path: '/api/cameras/:id/onvif', op: 'setOnvifProfiles', input: 'id+body' },
  { method: 'GET', path: '/api/cameras/:id/snapshot/data', op: 'getSnapshot', input: 'id' },
  { method: 'POST', path: '/api/cameras/:id/ptz', op: 'ptz', input: 'id+body' },
  { method: 'GET', path: '/api/cameras/:id/ptz/presets', op: 'listPtzPresets', input: 'id' },
  { method: 'GET', path: '/api/events', op: 'listEvents', input: 'query' },
  // Detection, review and alerts. The review thumbnail JPEG (GET /api/review/:id/thumbnail) is a raw route: main/server/review-routes.ts.
  { method: 'GET', path: '/api/cameras/:id/detection', op: 'getDetection', input: 'id' },
  { method: 'GET', path: '/api/cameras/:id/zones', op: 'listZones', input: 'id' },
  { method: 'PUT', path: '/api/cameras/:id/detection', op: 'setDetection', input: 'id+body' },
  { method: 'GET', path: '/api/review', op: 'listReview', input: 'query' },
  { method: 'GET', path: '/api/review/:id', op: 'getReviewItem', input: 'id' },
  { method: 'POST', path: '/api/review/:id/reviewed', op: 'setReviewed', input: 'id+body' },
  { method: 'GET', path: '/api/alerts/settings', op: 'getAlertSettings', input: 'none' },
  { method: 'PATCH', path: '/api/alerts/settings', op: 'updateAlertSettings', input: 'body' },
  // Users, sessions, tokens, audit (docs/users.md). Who may call each: preload/contract/access.ts.
  { method: 'GET', path: '/api/setup', op: 'getSetup', input: 'none' },
  { method: 'POST', path: '/api/setup', op: 'completeSetup', input: 'body', session: 'start' },
  { method: 'POST', path: '/api/login', op: 'login', input: 'body', session: 'start' },
  { method: 'POST', path: '/api/logout', op: 'logout', input: 'none', session: 'end' },
  { method: 'GET', path: '/api/me', op: 'getMe', input: 'none' },
  { method: 'POST', path: '/api/me/password', op: 'changePassword', input: 'body' },
  { method: 'GET', path: '/api/users', op: 'listUsers', input: 'none' },
  { method: 'POST', path: '/api/users', op: 'createUser', input: 'body', status: 201 },
  { method: 'PATCH', path: '/api/users/:id', op: 'updateUser', input: 'id+body' },
  { method: 'DELETE', path: '/api/users/:id', op: 'removeUser', input: 'id' },
  { method: 'GET', path: '/api/sessions', op: 'listSessions', input: 'query' },
  { method: 'DELETE', path: '/api/sessions/:id', op: 'revokeSession', input: 'id' },
  { method: 'POST', path: '/api/tokens', op: 'createToken', input: 'body', status: 201 },
  { method: 'GET', path: '/api/tokens', op: 'listTokens', input: 'query' },
  { method: 'DELETE', path: '/api/tokens/:id', op: 'revokeToken', input: 'id' },
  { method: 'GET', path: '/api/audit', op: 'listAudit', input: 'query' },
  // LAN viewing over TLS (docs/lan.md).
  { method: 'GET', path: '/api/lan', op: 'getLan', input: 'none' },
  { method: 'PATCH', path: '/api/lan', op: 'updateLan', input: 'body' },
];

/** Matches a path against a pattern; returns the params or null. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/');
  const s = path.split('/');
  if (p.length !== s.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(':')) {
      try {
        params[p[i].slice(1)] = decodeURIComponent(s[i]);
      } catch {
        return null;
      }
    } else if (p[i] !== s[i]) return null;
  }
  return params;
}

/** Server side: the operation's raw input from a request (validated afterwards). */
export function inputFromRequest(route: HttpRoute, params: Record<string, string>, query: URLSearchParams, body: unknown): unknown {
  const q = Object.fromEntries(query.entries());
  const isObject = body !== null && typeof body === 'object' && !Array.isArray(body);
  switch (route.input) {
    case 'none':
      return undefined;
    case 'body':
      return body;
    case 'query':
      return q;
    case 'id':
      return { id: params.id };
    case 'id+body':
      return isObject ? { ...(body as object), id: params.id } : body;
    case 'id+query':
      return { ...q, id: params.id };
  }
}

/** Client side: the request that carries an operation's input. */
export function requestForInput(route: HttpRoute, input: unknown): { method: string; path: string; body?: string } {
  const record = (input ?? {}) as Record<string, unknown>;
  const { id, ...rest } = record;
  const path = route.path.replace(':id', encodeURIComponent(String(id ?? '')));
  const query = (obj: Record<string, unknown>) => {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(obj)) if (v !== undefined && v !== null) qs.set(k, Array.isArray(v) ? v.join(',') : String(v));
    const s = qs.toString();
    return s ? `?${s}` : '';
  };
  switch (route.input) {
    case 'none':
      return { method: route.method, path };
    case 'body':
      return { method: route.method, path, body: JSON.stringify(input ?? {}) };
    case 'query':
      return { method: route.method, path: path + query(record) };
    case 'id':
      return { method: route.method, path };
    case 'id+body':
      return { method: route.method, path, body: JSON.stringify(rest) };
    case 'id+query':
      return { method: route.method, path: path + query(rest) };
  }
}
