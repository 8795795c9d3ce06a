/**
 * What the signed-in person may do, from getMe's answer: pure functions, so
 * pages and tests ask the same question the same way. The engine enforces
 * every right on its own (preload/contract/access.ts); the UI only leaves out
 * what would be refused, it never relies on that.
 */
import type { Me, Right } from '../../../preload/api.ts';

export interface Abilities {
  isAdmin: boolean;
  /** `right` on this camera (an admin: every right on every camera, also one added since). */
  can(right: Right, cameraId: number): boolean;
  /** `right` on at least one camera. */
  canAny(right: Right): boolean;
  /** The cameras on which the caller holds `right`, for filtering lists (admins: null = all). */
  camerasWith(right: Right): ReadonlySet<number> | null;
}

export function abilitiesOf(me: Me): Abilities {
  const isAdmin = me.user.role === 'admin';
  const byCamera = new Map<number, ReadonlySet<Right>>(me.rights.map((g) => [g.id, new Set(g.rights)]));
  const camerasWith = (right: Right): ReadonlySet<number> | null =>
    isAdmin ? null : new Set([...byCamera].filter(([, rights]) => rights.has(right)).map(([id]) => id));
  return {
    isAdmin,
    can: (right, cameraId) => isAdmin || (byCamera.get(cameraId)?.has(right) ?? false),
    canAny: (right) => isAdmin || [...byCamera.values()].some((rights) => rights.has(right)),
    camerasWith,
  };
}

/** Keeps the items whose camera the caller holds `right` on. */
export function allowed<T>(items: readonly T[], abilities: Abilities, right: Right, cameraOf: (item: T) => number): T[] {
  return items.filter((item) => abilities.can(right, cameraOf(item)));
}
