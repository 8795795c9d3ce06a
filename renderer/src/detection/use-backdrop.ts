/**
 * The picture zones are drawn on: the camera's snapshot (its ONVIF snapshot
 * address, or one frame decoded from its stream: the engine picks), else the
 * newest recording thumbnail, else nothing (the editor then shows a neutral
 * grid and says why).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../api/index.ts';
import { thumbnailUrl } from '../timeline/player/footage-source.ts';

export interface Backdrop {
  /** An image URL (data: or /api/…), or null when there is no picture. */
  src: string | null;
  source: 'snapshot' | 'recording' | null;
  /** Why the snapshot could not be taken (shown with the fallback). */
  problem: string | null;
  loading: boolean;
  takenAt: number | null;
  refresh: () => void;
}

const DAY = 24 * 3600_000;

export function useBackdrop(cameraId: number): Backdrop {
  const [state, setState] = useState<Omit<Backdrop, 'refresh'>>({ src: null, source: null, problem: null, loading: true, takenAt: null });
  const seq = useRef(0);

  const load = useCallback(async () => {
    const id = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    const snap = await api.getSnapshot({ id: cameraId });
    if (id !== seq.current) return;
    if (snap.ok) {
      setState({ src: snap.value.dataUrl, source: 'snapshot', problem: null, loading: false, takenAt: snap.value.takenAt });
      return;
    }
    // No live picture (camera offline, no stream yet): the newest recorded one will do.
    const now = Date.now();
    const timeline = await api.getTimeline({ cameras: [cameraId], from: now - 7 * DAY, to: now, thumbnails: 24 });
    if (id !== seq.current) return;
    const thumbs = timeline.ok ? (timeline.value.cameras[0]?.thumbnails ?? []) : [];
    const newest = thumbs.reduce<(typeof thumbs)[number] | null>((a, b) => (!a || b.at > a.at ? b : a), null);
    setState({
      src: newest ? thumbnailUrl(newest.id) : null,
      source: newest ? 'recording' : null,
      problem: snap.error.message,
      loading: false,
      takenAt: newest?.at ?? null,
    });
  }, [cameraId]);

  useEffect(() => {
    void load();
    return () => void ++seq.current;
  }, [load]);

  return { ...state, refresh: () => void load() };
}
