/**
 * Zone names of every camera (review items carry zone ids): `listZones` per
 * camera (names only, so viewers with playback may read them too), again
 * when the camera list changes and every half minute (zones are edited on
 * the Cameras page).
 */
import { useEffect, useState } from 'react';
import { api } from '../api/index.ts';

export interface ZoneNames {
  /** The zone's name, or its id when the zone is gone. */
  name: (cameraId: number, zoneId: string) => string;
  /** Zones to filter by: one camera's, or every camera's (same id once). */
  options: (cameraId: number | null) => { id: string; name: string }[];
}

export function useZoneNames(cameraIds: number[], refreshMs = 30_000): ZoneNames {
  const [byCamera, setByCamera] = useState<Map<number, { id: string; name: string }[]>>(new Map());
  const key = cameraIds.join(',');
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), refreshMs);
    return () => clearInterval(t);
  }, [refreshMs]);
  useEffect(() => {
    let alive = true;
    void Promise.all(cameraIds.map(async (id) => [id, await api.listZones({ id })] as const)).then((answers) => {
      if (!alive) return;
      const next = new Map<number, { id: string; name: string }[]>();
      for (const [id, r] of answers) if (r.ok) next.set(id, r.value);
      setByCamera(next);
    });
    return () => {
      alive = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, tick]);

  return {
    name: (cameraId, zoneId) => byCamera.get(cameraId)?.find((z) => z.id === zoneId)?.name ?? zoneId,
    options: (cameraId) => {
      const lists = cameraId === null ? [...byCamera.values()] : [byCamera.get(cameraId) ?? []];
      const seen = new Map<string, string>();
      for (const list of lists) for (const z of list) if (!seen.has(z.id)) seen.set(z.id, z.name);
      return [...seen].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name));
    },
  };
}
