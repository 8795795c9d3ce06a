/**
 * The caller of an operation or a raw route: who it is, how it proved it,
 * and its rights at the moment the request arrived. Made by the user service
 * (main/engine/users/) from a session cookie, a personal token, the owner's
 * token or the desktop's local connection; checked by ./guard.ts.
 */
import type { CallerVia, Right, Role } from '../../../preload/api.ts';

export interface Caller {
  userId: number;
  username: string;
  role: Role;
  /** The first account: always admin, never removed. */
  owner: boolean;
  via: CallerVia;
  /** The session behind the request (via 'session'), else null. */
  sessionId: number | null;
  /** The personal token behind the request (via 'token'), else null. */
  tokenId: number | null;
  /** A viewer's rights per camera id; ignored for an admin, who has them all. */
  grants: ReadonlyMap<number, ReadonlySet<Right>>;
  /** The client's address for the audit log ("local" for the desktop app). */
  address: string;
}

/** Whether the caller holds `right` on the camera (`see`: any right at all). */
export function hasRight(caller: Caller, cameraId: number, right: Right | 'see'): boolean {
  if (caller.role === 'admin') return true;
  const rights = caller.grants.get(cameraId);
  if (!rights || rights.size === 0) return false;
  return right === 'see' || rights.has(right);
}
