/**
 * The binary routes of the HTTP transport: media, pictures, downloads and the
 * live WebSocket — everything that is not a JSON operation of the contract
 * (those are in ./http-routes.ts). One table, so the server registers exactly
 * these routes, the renderer builds its URLs from the same patterns, and the
 * permission check of the users work can demand that every route declares
 * what it touches. Scripts rely on these paths: keep them stable.
 * Documented in docs/API.md.
 */
import { HTTP_STATUS_OF } from './http-status.ts';
import type { ResourceScope } from './contract/access.ts';
import type { Right } from './contract/users.ts';

export { HTTP_STATUS_OF };

export type RawRouteName = 'recordingMedia' | 'thumbnail' | 'cameraSnapshot' | 'exportDownload' | 'exportFile' | 'reviewThumbnail' | 'live';

export interface RawRoute {
  name: RawRouteName;
  /** Path pattern; `:name` segments are parameters (percent-decoded before use). */
  path: string;
  /** GET routes answer HEAD too; `websocket` routes are only reached by an Upgrade. */
  kind: 'get' | 'websocket';
  /** What the :id parameter names; the engine resolves it to its camera(s) (preload/contract/access.ts). */
  scope: ResourceScope;
  /** The right the caller needs on that camera (on every one of an export's cameras). */
  right: Right;
}

export const rawRoutes: readonly RawRoute[] = [
  { name: 'recordingMedia', path: '/api/recordings/:id/media', kind: 'get', scope: 'recording', right: 'playback' },
  { name: 'thumbnail', path: '/api/thumbnails/:id', kind: 'get', scope: 'thumbnail', right: 'playback' },
  { name: 'cameraSnapshot', path: '/api/cameras/:id/snapshot', kind: 'get', scope: 'camera', right: 'live' },
  { name: 'exportDownload', path: '/api/exports/:id/download', kind: 'get', scope: 'export', right: 'export' },
  { name: 'exportFile', path: '/api/exports/:id/files/:file', kind: 'get', scope: 'export', right: 'export' },
  { name: 'reviewThumbnail', path: '/api/review/:id/thumbnail', kind: 'get', scope: 'review', right: 'playback' },
  { name: 'live', path: '/api/live/:id/:stream', kind: 'websocket', scope: 'camera', right: 'live' },
];

const byName = new Map(rawRoutes.map((r) => [r.name, r]));

/** The URL path of a raw route (relative to the server's origin), parameters percent-encoded. */
export function rawPath(name: RawRouteName, params: Record<string, string | number>): string {
  const route = byName.get(name)!;
  return route.path.replace(/:([a-z]+)/g, (_, key: string) => {
    const value = params[key];
    if (value === undefined) throw new Error(`${name}: missing path parameter ${key}`);
    return encodeURIComponent(String(value));
  });
}

/**
 * Which raw route a path is, with its parameters decoded; null when none.
 * A parameter that does not decode (`%E0%A4%A`) matches nothing: it is never
 * passed on half-decoded.
 */
export function matchRawRoute(pathname: string, kind: RawRoute['kind']): { route: RawRoute; params: Record<string, string> } | null {
  const parts = pathname.split('/');
  for (const route of rawRoutes) {
    if (route.kind !== kind) continue;
    const pattern = route.path.split('/');
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < pattern.length && ok; i++) {
      if (pattern[i].startsWith(':')) {
        try {
          params[pattern[i].slice(1)] = decodeURIComponent(parts[i]);
        } catch {
          return null;
        }
        ok = params[pattern[i].slice(1)].length > 0;
      } else ok = pattern[i] === parts[i];
    }
    if (ok) return { route, params };
  }
  return null;
}
