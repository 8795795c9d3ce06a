/**
 * The timeline data for what is on screen: fetched for the visible window
 * plus half a window either side (panning stays smooth), debounced while the
 * user zooms, and refreshed every few seconds so new footage appears.
 */
import { useEffect, useRef, useState } from 'react';
import type { Timeline } from '../../../preload/api.ts';
import { api } from '../api/index.ts';
import type { TimeWindow } from './view.ts';

export interface TimelineData {
  data: Timeline | null;
  loading: boolean;
  error: string | null;
}

const MAX_SPAN = 399 * 24 * 3600_000;

export function useTimeline(cameras: number[], w: TimeWindow, widthPx: number, refreshMs = 5000): TimelineData {
  const [state, setState] = useState<TimelineData>({ data: null, loading: true, error: null });
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  const key = cameras.join(',');

  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), refreshMs);
    return () => clearInterval(t);
  }, [refreshMs]);

  useEffect(() => {
    if (!cameras.length) {
      setState({ data: null, loading: false, error: null });
      return;
    }
    const id = ++seq.current;
    const timer = setTimeout(async () => {
      const s = w.to - w.from;
      const from = Math.max(0, Math.round(w.from - s / 2));
      const to = Math.round(Math.min(w.to + s / 2, from + MAX_SPAN));
      // About one thumbnail per 45 px of the whole fetched range.
      const thumbnails = Math.min(500, Math.max(8, Math.round((widthPx * 2) / 45)));
      const r = await api.getTimeline({ cameras, from, to, thumbnails });
      if (id !== seq.current) return;
      setState((prev) => (r.ok ? { data: r.value, loading: false, error: null } : { data: prev.data, loading: false, error: r.error.message }));
    }, 120);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, w.from, w.to, widthPx, tick]);

  return state;
}
