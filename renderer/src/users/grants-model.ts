/**
 * The grants matrix as data: each viewer's rights per camera, edited in the
 * page before saving, and turned back into the `cameras` list updateUser
 * takes. Pure, so the rules (an empty set is no grant; cameras that no
 * longer exist are dropped; the order never matters) are tested directly.
 */
import { RIGHTS, type Grant, type Right, type User } from '../../../preload/api.ts';

/** A user's grants: camera id → the rights on it (never an empty set). */
export type GrantMap = ReadonlyMap<number, ReadonlySet<Right>>;

export const RIGHT_LABELS: Record<Right, { label: string; hint: string }> = {
  live: { label: 'Live', hint: 'watch the live picture' },
  playback: { label: 'Playback', hint: 'timeline, recordings, thumbnails, events, review' },
  export: { label: 'Export', hint: 'cut and download footage' },
  ptz: { label: 'PTZ', hint: 'pan, tilt and zoom the camera' },
};

export function grantMap(grants: readonly Grant[]): GrantMap {
  const map = new Map<number, ReadonlySet<Right>>();
  for (const g of grants) if (g.rights.length) map.set(g.id, new Set(g.rights));
  return map;
}

/** The grants with `rights` on `cameraId` (an empty set removes the grant). */
export function withRights(grants: GrantMap, cameraId: number, rights: ReadonlySet<Right>): GrantMap {
  const next = new Map(grants);
  if (rights.size) next.set(cameraId, new Set(rights));
  else next.delete(cameraId);
  return next;
}

/** One right switched on or off on one camera. */
export function toggleRight(grants: GrantMap, cameraId: number, right: Right, on: boolean): GrantMap {
  const rights = new Set(grants.get(cameraId) ?? []);
  if (on) rights.add(right);
  else rights.delete(right);
  return withRights(grants, cameraId, rights);
}

/** What updateUser/createUser take: cameras in id order, rights in contract order, only cameras that exist. */
export function grantsInput(grants: GrantMap, existing: ReadonlySet<number> | null = null): Grant[] {
  return [...grants]
    .filter(([id, rights]) => rights.size > 0 && (existing === null || existing.has(id)))
    .sort(([a], [b]) => a - b)
    .map(([id, rights]) => ({ id, rights: RIGHTS.filter((r) => rights.has(r)) }));
}

export function sameGrants(a: GrantMap, b: GrantMap): boolean {
  return JSON.stringify(grantsInput(a)) === JSON.stringify(grantsInput(b));
}

/** Edits of the matrix not saved yet: user id → the grants as edited. */
export type Drafts = ReadonlyMap<number, GrantMap>;

/** The users whose draft differs from what the engine has. */
export function changedUsers(users: readonly User[], drafts: Drafts): User[] {
  return users.filter((u) => {
    const draft = drafts.get(u.id);
    return draft !== undefined && !sameGrants(draft, grantMap(u.cameras));
  });
}

/** "Live, Playback" — a grant in words, for lists and the audit of changes. */
export function rightsText(rights: Iterable<Right>): string {
  const set = new Set(rights);
  return RIGHTS.filter((r) => set.has(r)).map((r) => RIGHT_LABELS[r].label).join(', ');
}
