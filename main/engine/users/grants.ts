/**
 * Camera grants: the contract's forms (a plain camera id = every right, or
 * {id, rights}), the index's bitmask, and the Caller's map. Pure.
 */
import { RIGHTS, type Grant, type Right } from '../../../preload/api.ts';

/** 1 live, 2 playback, 4 export, 8 ptz (schema/007_users.sql). */
export const RIGHT_BITS: Record<Right, number> = { live: 1, playback: 2, export: 4, ptz: 8 };
export const ALL_RIGHTS_MASK = 15;

export type GrantMap = ReadonlyMap<number, ReadonlySet<Right>>;

export function toMask(rights: Iterable<Right>): number {
  let mask = 0;
  for (const r of rights) mask |= RIGHT_BITS[r];
  return mask;
}

/** The rights of a mask, in the contract's order. */
export function fromMask(mask: number): Right[] {
  return RIGHTS.filter((r) => (mask & RIGHT_BITS[r]) !== 0);
}

/**
 * The grants of a create/update input as (camera, mask) pairs sorted by
 * camera; a camera named twice gets the union of its rights.
 */
export function normaliseGrants(input: readonly (number | Grant)[]): { cameraId: number; rights: number }[] {
  const byCamera = new Map<number, number>();
  for (const g of input) {
    const [id, mask] = typeof g === 'number' ? [g, ALL_RIGHTS_MASK] : [g.id, toMask(g.rights)];
    byCamera.set(id, (byCamera.get(id) ?? 0) | mask);
  }
  return [...byCamera].filter(([, m]) => m !== 0).sort((a, b) => a[0] - b[0]).map(([cameraId, rights]) => ({ cameraId, rights }));
}

export function toGrantMap(rows: readonly { cameraId: number; rights: number }[]): GrantMap {
  return new Map(rows.map((r) => [r.cameraId, new Set(fromMask(r.rights))]));
}

/** The contract's grant list of a map, sorted by camera. */
export function toGrantList(map: GrantMap): Grant[] {
  return [...map]
    .sort((a, b) => a[0] - b[0])
    .map(([id, rights]) => ({ id, rights: RIGHTS.filter((r) => rights.has(r)) }))
    .filter((g) => g.rights.length > 0);
}

/** "1 (all), 3 (live, playback)" for audit entries. */
export function describeGrants(map: GrantMap): string {
  const list = toGrantList(map);
  if (!list.length) return 'none';
  return list.map((g) => `${g.id} (${g.rights.length === RIGHTS.length ? 'all' : g.rights.join(', ')})`).join(', ');
}
