/**
 * The permission check: the one place where a caller's rights meet what an
 * operation or a raw route declares it needs (preload/contract/access.ts,
 * preload/raw-routes.ts). The dispatcher runs it for every operation of both
 * transports; the HTTP server runs it for every raw route and the live
 * WebSocket. Handlers never check rights themselves.
 *
 * Answers, in this order:
 *   signed out, on anything but a public operation → 401
 *   a viewer on an admin operation                 → 403 (names nothing)
 *   a camera, or a thing of a camera, the caller may not see → the same 404
 *   as for an id that was never used.
 *
 * Cheap by construction: a Map lookup per camera named; no I/O except the
 * resource's own row (an indexed primary-key read).
 */
import type { Access, ApiError, CameraRight, ResourceScope } from '../../../preload/api.ts';
import type { RawRoute } from '../../../preload/raw-routes.ts';
import { hasRight, type Caller } from './caller.ts';
import { notFoundMessage, type ResourceLookup } from './resources.ts';

export interface OwnerLookup {
  tokenOwner(id: number): number | null;
  sessionOwner(id: number): number | null;
}

/** What the handler may serve: null = every camera (admin); else only these. */
export type CameraScope = readonly number[] | null;

export type Verdict = { ok: true; cameras: CameraScope } | { ok: false; error: ApiError };

export interface GuardDeps {
  resources: ResourceLookup;
  owners: OwnerLookup;
}

const SIGNED_OUT: ApiError = { code: 'unauthorized', message: 'sign in first (or send a valid API token)' };
const ADMIN_ONLY: ApiError = { code: 'forbidden', message: 'only an admin may do this' };
const ALL: Verdict = { ok: true, cameras: null };

export class AccessGuard {
  constructor(private readonly deps: GuardDeps) {}

  /** Before the input is even parsed: is anyone signed in, and is it an admin where one is needed. */
  gate(access: Access, caller: Caller | null): ApiError | null {
    if (access.kind === 'public') return null;
    if (!caller) return SIGNED_OUT;
    if (access.kind === 'admin' && caller.role !== 'admin') return ADMIN_ONLY;
    return null;
  }

  /** After validation: the cameras and ids the input names. `input` is the parsed input. */
  check(access: Access, caller: Caller | null, input: unknown): Verdict {
    const gated = this.gate(access, caller);
    if (gated) return { ok: false, error: gated };
    if (!caller || access.kind === 'public' || access.kind === 'signedIn' || access.kind === 'admin') return ALL;
    const fields = (input ?? {}) as Record<string, unknown>;
    switch (access.kind) {
      case 'self': {
        const user = fields[access.field];
        if (user === undefined || user === caller.userId || caller.role === 'admin') return ALL;
        return notFound(`no user with id ${String(user)}`);
      }
      case 'owned': {
        const id = fields.id as number;
        const owner = access.scope === 'token' ? this.deps.owners.tokenOwner(id) : this.deps.owners.sessionOwner(id);
        if (owner !== null && (owner === caller.userId || caller.role === 'admin')) return ALL;
        return notFound(`no ${access.scope} with id ${id}`);
      }
      case 'resource':
        return this.resource(caller, access.scope, fields[access.field ?? 'id'], access.right);
      case 'cameras': {
        for (const id of (fields.cameras ?? []) as number[]) {
          if (!hasRight(caller, id, access.right)) return notFound(notFoundMessage('camera', id));
        }
        return ALL;
      }
      case 'list': {
        const named = access.field ? fields[access.field] : undefined;
        if (named !== undefined && !hasRight(caller, named as number, access.right)) return notFound(notFoundMessage('camera', named));
        return { ok: true, cameras: visibleCameras(caller, access.right) };
      }
    }
  }

  /**
   * A raw route (media, pictures, downloads, live): its :id resolved to
   * camera(s), the route's right on each. On success, the cameras (for the
   * audit log; empty when an admin names an id that does not exist — the
   * handler then answers 404 itself).
   */
  checkRoute(
    route: Pick<RawRoute, 'scope' | 'right'>,
    caller: Caller | null,
    params: Record<string, string>,
  ): { ok: true; caller: Caller; cameras: readonly number[] } | { ok: false; error: ApiError } {
    if (!caller) return { ok: false, error: SIGNED_OUT };
    const cameras = this.deps.resources.camerasOf(route.scope, params.id);
    if (caller.role === 'admin') return { ok: true, caller, cameras: cameras ?? [] };
    if (!cameras || cameras.length === 0 || !cameras.every((c) => hasRight(caller, c, route.right))) {
      return { ok: false, error: { code: 'not_found', message: notFoundMessage(route.scope, params.id) } };
    }
    return { ok: true, caller, cameras };
  }

  private resource(caller: Caller, scope: ResourceScope, id: unknown, right: CameraRight): Verdict {
    // An admin may see everything: the handler answers for ids that do not exist.
    if (caller.role === 'admin') return ALL;
    const cameras = this.deps.resources.camerasOf(scope, id);
    if (!cameras || cameras.length === 0 || !cameras.every((c) => hasRight(caller, c, right))) return notFound(notFoundMessage(scope, id));
    return ALL;
  }
}

/** A viewer's cameras on which it holds `right`, in id order; null for an admin (every camera). */
export function visibleCameras(caller: Caller, right: CameraRight): CameraScope {
  if (caller.role === 'admin') return null;
  const out: number[] = [];
  for (const [id, rights] of caller.grants) if (rights.size && (right === 'see' || rights.has(right))) out.push(id);
  return out.sort((a, b) => a - b);
}

function notFound(message: string): Verdict {
  return { ok: false, error: { code: 'not_found', message } };
}
